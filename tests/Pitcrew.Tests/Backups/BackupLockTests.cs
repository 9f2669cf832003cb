using System.Text.Json;
using Pitcrew.Backups;
using Pitcrew.Backups.Stores;
using Pitcrew.Errors;

namespace Pitcrew.Tests.Backups;

public sealed class BackupLockTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-lock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Acquire_WhileAnotherHolds_IsBlockedNamingTheHolder_AndSucceedsAfterRelease()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        var first = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        var error = await Assert.ThrowsAsync<PitcrewException>(() => BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct));
        Assert.Equal(ExitCodes.Blocked, error.ExitCode);
        Assert.Contains(first.Record.Owner, error.Message, StringComparison.Ordinal);
        await first.DisposeAsync();
        await using var second = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        Assert.NotEqual(first.Record.Owner, second.Record.Owner);
    }

    [Fact]
    public async Task Acquire_ByManyAtOnce_HasExactlyOneWinner()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            try
            {
                return await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
            }
            catch (PitcrewException e) when (e.ExitCode == ExitCodes.Blocked)
            {
                return null;
            }
        }, ct)));
        Assert.Single(attempts, a => a is not null);
        await attempts.Single(a => a is not null)!.DisposeAsync();
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(5, true)]
    public async Task Acquire_OverALockDamagedInTheStore_WaitsOutItsGraceThenTakesItOver(int minutesOld, bool takenOver)
    {
        // s3rver can keep the body of one of two racing writes and the checksum of the other: every read then fails.
        var ct = TestContext.Current.CancellationToken;
        using var files = new FileBackupStore(_dir, "file://" + _dir);
        await files.PutSmallAsync(BackupNames.LockName, "{\"owner\":"u8.ToArray(), ct);
        File.SetLastWriteTimeUtc(Path.Combine(_dir, BackupNames.LockName), DateTime.UtcNow.AddMinutes(-minutesOld));
        var store = new DamagedLock(files);
        if (takenOver)
        {
            await using var held = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
            Assert.Equal(Environment.ProcessId, held.Record.Pid);
        }
        else
        {
            var error = await Assert.ThrowsAsync<PitcrewException>(() => BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct));
            Assert.Equal(ExitCodes.Blocked, error.ExitCode);
            Assert.Contains("lock object unreadable", error.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A store whose lock object fails its checksum on every read until it is replaced.</summary>
    private sealed class DamagedLock(FileBackupStore inner) : IBackupStore
    {
        private bool _damaged = true;

        public string Location => inner.Location;

        public bool AtomicCreate => inner.AtomicCreate;

        public Task<byte[]?> ReadSmallAsync(string name, CancellationToken cancellationToken) => _damaged && name == BackupNames.LockName
            ? throw new PitcrewException($"{Location}: {name} is damaged in the store: its content does not match its checksum", ExitCodes.Corrupt)
            : inner.ReadSmallAsync(name, cancellationToken);

        public async Task DeleteAsync(string name, CancellationToken cancellationToken)
        {
            _damaged &= name != BackupNames.LockName;
            await inner.DeleteAsync(name, cancellationToken);
        }

        public Task<IObjectUpload> OpenWriteAsync(string name, CancellationToken cancellationToken) => inner.OpenWriteAsync(name, cancellationToken);

        public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken) => inner.OpenReadAsync(name, cancellationToken);

        public Task<StoredObject?> StatAsync(string name, CancellationToken cancellationToken) => inner.StatAsync(name, cancellationToken);

        public Task<bool> CanReadAsync(string name, CancellationToken cancellationToken) => inner.CanReadAsync(name, cancellationToken);

        public Task<IReadOnlyList<StoredObject>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.TryCreateAsync(name, content, cancellationToken);

        public Task PutSmallAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.PutSmallAsync(name, content, cancellationToken);

        public Task<int> AbortStaleUploadsAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.AbortStaleUploadsAsync(before, cancellationToken);

        public void Dispose()
        {
        }
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("dead-holder")]
    public async Task Acquire_OverAStaleLock_TakesItOver(string why)
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        var now = DateTimeOffset.UtcNow;
        var stale = why == "expired"
            ? new LockRecord("other/1/x", "another-host", 1, now.AddMinutes(-10), now.AddMinutes(-5))
            : new LockRecord("me/dead", Environment.MachineName, int.MaxValue - 7, now, now.AddHours(1));
        await store.PutSmallAsync(BackupNames.LockName, JsonSerializer.SerializeToUtf8Bytes(stale, BackupJson.Default.LockRecord), ct);
        await using var held = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        Assert.Equal(held.Record.Owner, (await BackupLock.ReadAsync(store, ct))!.Owner);
    }

    [Fact]
    public async Task Renew_AfterAnotherTookTheLock_Throws()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = new FileBackupStore(_dir, "file://" + _dir);
        await using var held = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, TimeSpan.Zero, TimeProvider.System, ct);
        var thief = new LockRecord("thief", "another-host", 1, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));
        await store.PutSmallAsync(BackupNames.LockName, JsonSerializer.SerializeToUtf8Bytes(thief, BackupJson.Default.LockRecord), ct);
        var error = await Assert.ThrowsAsync<PitcrewException>(() => held.RenewAsync(ct));
        Assert.Contains("lost the backup lock to thief", error.Message, StringComparison.Ordinal);
    }
}
