using System.Security.Cryptography;
using System.Text.Json;
using Pitcrew.Backups.Stores;
using Pitcrew.Files;

namespace Pitcrew.Backups;

/// <summary>Who holds a store's lock and until when; written as the lock object's JSON.</summary>
internal sealed record LockRecord(string Owner, string Host, int Pid, DateTimeOffset AcquiredAt, DateTimeOffset ExpiresAt);

/// <summary>
/// One writer per store: an object created only if absent (O_EXCL on files; If-None-Match plus read-back on S3),
/// renewed while held, taken over once expired or when its holder on this host is gone.
/// </summary>
internal sealed class BackupLock : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan UnreadableGrace = TimeSpan.FromSeconds(30);

    private readonly IBackupStore _store;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private bool _released;

    private BackupLock(IBackupStore store, LockRecord record, DateTimeOffset storeTime, TimeProvider time, TimeSpan ttl)
    {
        _store = store;
        Record = record;
        StoreTime = storeTime;
        _time = time;
        _ttl = ttl;
    }

    public LockRecord Record { get; private set; }

    /// <summary>When the store says the lock object was written: objects older than this belong to finished or dead runs.</summary>
    public DateTimeOffset StoreTime { get; }

    /// <summary>Takes the lock, waiting up to <paramref name="wait"/> for a live holder to finish.</summary>
    public static async Task<BackupLock> AcquireAsync(IBackupStore store, TimeSpan ttl, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        while (true)
        {
            var now = time.GetUtcNow();
            var record = new LockRecord(owner, Environment.MachineName, Environment.ProcessId, now, now + ttl);
            if (await store.TryCreateAsync(BackupNames.LockName, Serialize(record), cancellationToken).ConfigureAwait(false))
            {
                var stored = await store.StatAsync(BackupNames.LockName, cancellationToken).ConfigureAwait(false);
                return new BackupLock(store, record, stored?.LastModified ?? now, time, ttl);
            }

            var holder = await ReadAsync(store, cancellationToken).ConfigureAwait(false);
            if (holder is null)
            {
                // Lost a race that left no lock (a torn object removed): a random pause keeps the racers from meeting again.
                await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(20, 250)), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (IsStale(holder, time.GetUtcNow()))
            {
                // Best effort: two takers may both see it stale; the O_EXCL (or read-back) create above decides.
                await store.DeleteAsync(BackupNames.LockName, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (time.GetElapsedTime(started) >= wait)
            {
                throw new PitcrewException(
                    $"{store.Location}: locked by {holder.Owner} since {holder.AcquiredAt:u} (expires {holder.ExpiresAt:u}); another backup run is in progress",
                    ExitCodes.Blocked);
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Extends the expiry; throws when someone else holds the lock now (it expired and was taken over).</summary>
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var current = await ReadAsync(_store, cancellationToken).ConfigureAwait(false);
        if (current?.Owner != Record.Owner)
        {
            throw new PitcrewException($"{_store.Location}: lost the backup lock to {current?.Owner ?? "nobody"}; abandoning this run", ExitCodes.Blocked);
        }

        Record = Record with { ExpiresAt = _time.GetUtcNow() + _ttl };
        await _store.PutSmallAsync(BackupNames.LockName, Serialize(Record), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews every third of the TTL until cancelled; a lost lock cancels <paramref name="onLost"/>.</summary>
    public async Task KeepAliveAsync(CancellationTokenSource onLost, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_ttl / 3, _time, cancellationToken).ConfigureAwait(false);
                await RenewAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (PitcrewException)
        {
            await onLost.CancelAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_released)
        {
            return;
        }

        _released = true;
        try
        {
            var current = await ReadAsync(_store, CancellationToken.None).ConfigureAwait(false);
            if (current?.Owner == Record.Owner)
            {
                await _store.DeleteAsync(BackupNames.LockName, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (PitcrewException)
        {
            // Unreachable store: the lock expires on its own.
        }
    }

    public static async Task<LockRecord?> ReadAsync(IBackupStore store, CancellationToken cancellationToken)
    {
        try
        {
            var bytes = await store.ReadSmallAsync(BackupNames.LockName, cancellationToken).ConfigureAwait(false);
            return bytes is null ? null : JsonSerializer.Deserialize(bytes, BackupJson.Default.LockRecord);
        }
        catch (Exception e) when (e is JsonException or PitcrewException { ExitCode: ExitCodes.Corrupt })
        {
            // Being written right now (created, not yet filled), or torn by a crash or by racing writers: held for a grace
            // period from its write, then stale like any expired lock.
            var written = (await store.StatAsync(BackupNames.LockName, cancellationToken).ConfigureAwait(false))?.LastModified ?? DateTimeOffset.MinValue;
            return new LockRecord("unknown (lock object unreadable)", string.Empty, 0, written, written == DateTimeOffset.MinValue ? written : written + UnreadableGrace);
        }
    }

    private static bool IsStale(LockRecord holder, DateTimeOffset now) =>
        holder.ExpiresAt < now || (holder.Host == Environment.MachineName && holder.Pid > 0 && !LocalProcess.IsAlive(holder.Pid));

    private static byte[] Serialize(LockRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, BackupJson.Default.LockRecord);
}
