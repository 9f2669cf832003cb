using System.Globalization;
using System.Threading.Channels;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;
using Pitcrew.Etcd;

namespace Pitcrew.Backups.Changes;

/// <summary>How the change stream runs: etcd, the store's compression and key, how long a change may wait, how big a segment gets.</summary>
internal sealed record ChangeStreamOptions(EtcdConnectionOptions Connection, BackupCompression Compression, BackupKey? Key, TimeSpan MaxDelay, long MaxSegmentBytes)
{
    public static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(1);
    public const long DefaultMaxSegmentBytes = 8L << 20;
}

/// <summary>The watch's start revision is compacted away: the chain cannot go on from there.</summary>
internal sealed class ChangeStreamCompactedException(long wanted, long compacted)
    : PitcrewException(string.Create(CultureInfo.InvariantCulture,
        $"etcd has compacted the history the stream needs: it wanted revision {wanted}, etcd keeps only from {compacted} on"), ExitCodes.Blocked)
{
    public long Wanted { get; } = wanted;

    public long Compacted { get; } = compacted;
}

/// <summary>
/// Streams every etcd change into the store after the newest full backup: one watch over the whole keyspace from the
/// chain's next revision, changes buffered and stored as a segment at least every MaxDelay (or once MaxSegmentBytes are
/// buffered), revisions checked for continuity. A broken watch (leader change, member restart) resumes from the next
/// revision on the next endpoint; a compacted start revision takes a full backup at once (TakeFullBackup) and the chain
/// starts again from it, the gap left uncovered and logged. A newer full backup (<see cref="NewBase"/>) becomes the base
/// of a new chain.
/// </summary>
internal sealed class ChangeStreamer(IBackupStore store, ChangeStreamOptions options, ChangeStreamMetrics metrics, TimeProvider time, Action<string> log)
{
    private readonly Channel<BackupManifest> _bases = Channel.CreateUnbounded<BackupManifest>();

    /// <summary>Takes a full backup now (when the stream's start is compacted, or there is none yet).</summary>
    public Func<CancellationToken, Task<BackupManifest>>? TakeFullBackup { get; set; }

    /// <summary>Tells the stream a newer full backup exists.</summary>
    public void NewBase(BackupManifest manifest) => _bases.Writer.TryWrite(manifest);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var (current, next) = await PositionAsync(cancellationToken).ConfigureAwait(false);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (current is null)
            {
                log("change stream: no full backup to start from: taking one");
                current = await FullAsync(cancellationToken).ConfigureAwait(false);
                next = current.Snapshot.Revision + 1;
            }

            log(string.Create(CultureInfo.InvariantCulture, $"change stream: following {current.Name} (revision {current.Snapshot.Revision}) from revision {next}"));
            try
            {
                var newer = await FollowAsync(current.Name, next, cancellationToken).ConfigureAwait(false);
                if (newer is null)
                {
                    return;
                }

                (current, next) = (newer, newer.Snapshot.Revision + 1);
            }
            catch (ChangeStreamCompactedException e) when (!cancellationToken.IsCancellationRequested)
            {
                metrics.Gap();
                log($"change stream: {e.Message}; revisions {e.Wanted}..{e.Compacted} are not covered by any chain: taking a full backup now");
                current = await FullAsync(cancellationToken).ConfigureAwait(false);
                next = current.Snapshot.Revision + 1;
            }
        }
    }

    /// <summary>The newest full backup and where its chain ends: a restart resumes right after what is stored.</summary>
    private async Task<(BackupManifest? Base, long Next)> PositionAsync(CancellationToken cancellationToken)
    {
        var listed = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var entries = await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
        var newest = entries.Where(e => e.ObjectPresent).OrderBy(e => e.Manifest.Snapshot.Revision).LastOrDefault()?.Manifest;
        if (newest is null)
        {
            return (null, 0);
        }

        var segments = await ChangeSegments.ListAsync(store, listed, cancellationToken).ConfigureAwait(false);
        var chain = ChangeSegments.Chain(newest.Snapshot.Revision, ChangeSegments.All(segments));
        return (newest, chain.Count > 0 ? chain[^1].LastRevision + 1 : newest.Snapshot.Revision + 1);
    }

    private async Task<BackupManifest> FullAsync(CancellationToken cancellationToken) =>
        TakeFullBackup is { } take
            ? await take(cancellationToken).ConfigureAwait(false)
            : throw new PitcrewException("the change stream needs a full backup to start from: run pitcrew etcd backup create first", ExitCodes.Blocked);

    /// <summary>Streams the chain of one base until a newer base arrives (returned) or the run is cancelled (null).</summary>
    private async Task<BackupManifest?> FollowAsync(string baseName, long next, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var batches = Channel.CreateBounded<List<ChangeRecord>>(new BoundedChannelOptions(1024) { SingleReader = true, SingleWriter = true });
        var watching = WatchAsync(next, batches.Writer, stop.Token);
        var buffer = new List<ChangeRecord>();
        long bytes = 0;
        DateTimeOffset? oldest = null;
        Task<bool>? reading = null;
        Task<BackupManifest>? basing = null;
        var never = Task.Delay(Timeout.InfiniteTimeSpan, time, stop.Token);
        var delay = never;
        DateTimeOffset? delayFor = null;
        try
        {
            while (true)
            {
                reading ??= batches.Reader.WaitToReadAsync(stop.Token).AsTask();
                basing ??= _bases.Reader.ReadAsync(stop.Token).AsTask();
                if (delayFor != oldest)
                {
                    // One timer per buffered segment, not one per batch: it fires when the oldest buffered change is due.
                    var wait = oldest is { } o ? options.MaxDelay - (time.GetUtcNow() - o) : TimeSpan.Zero;
                    delay = oldest is null ? never : Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, time, stop.Token);
                    delayFor = oldest;
                }

                var done = await Task.WhenAny(reading, basing, delay, watching).ConfigureAwait(false);
                if (done == watching)
                {
                    await watching.ConfigureAwait(false);
                    throw new InvalidOperationException("the watch ended");
                }

                if (done == reading)
                {
                    var more = await reading.ConfigureAwait(false);
                    reading = null;
                    if (!more)
                    {
                        await watching.ConfigureAwait(false);
                    }

                    while (batches.Reader.TryRead(out var batch))
                    {
                        buffer.AddRange(batch);
                        bytes += batch.Sum(c => c.Key.Length + c.Value.Length + 32);
                        oldest ??= batch[0].ReceivedAt;
                        metrics.Received(batch[^1].Revision, batch[^1].ReceivedAt);
                    }
                }

                var due = oldest is { } first && time.GetUtcNow() - first >= options.MaxDelay;
                if (done == delay && !due)
                {
                    delayFor = null;
                }

                if (buffer.Count > 0 && (due || bytes >= options.MaxSegmentBytes || done == basing))
                {
                    await FlushAsync(baseName, buffer, cancellationToken).ConfigureAwait(false);
                    buffer.Clear();
                    bytes = 0;
                    oldest = null;
                }

                if (done == basing)
                {
                    return await basing.ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: what is buffered is stored if it can still be (a SIGTERM loses nothing already received).
            if (buffer.Count > 0)
            {
                await FlushAsync(baseName, buffer, CancellationToken.None).ConfigureAwait(false);
            }

            return null;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task FlushAsync(string baseName, List<ChangeRecord> buffer, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var segment = await ChangeSegments.WriteAsync(store, baseName, buffer, options.Compression, options.Key, time, cancellationToken).ConfigureAwait(false);
                metrics.Stored(segment.LastRevision, time.GetUtcNow());
                return;
            }
            catch (Exception e) when (e is PitcrewException or IOException or HttpRequestException && attempt < 5 && !cancellationToken.IsCancellationRequested)
            {
                metrics.SegmentFailed();
                log($"change stream: storing revisions {buffer[0].Revision}-{buffer[^1].Revision} failed ({e.Message}); retrying");
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Watches the whole keyspace from <paramref name="next"/>, handing over whole revisions; reconnects on the next endpoint.</summary>
    private async Task WatchAsync(long next, ChannelWriter<List<ChangeRecord>> output, CancellationToken cancellationToken)
    {
        var endpoints = options.Connection.Endpoints;
        var at = 0;
        try
        {
            while (true)
            {
                var endpoint = endpoints[at % endpoints.Count];
                try
                {
                    using var channel = EtcdChannelFactory.Create(options.Connection, endpoint);
                    using var call = new Watch.WatchClient(channel).Watch(cancellationToken: cancellationToken);
                    await call.RequestStream.WriteAsync(new WatchRequest
                    {
                        CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(0), RangeEnd = ByteString.CopyFrom(0), StartRevision = next },
                    }, cancellationToken).ConfigureAwait(false);
                    while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        var response = call.ResponseStream.Current;
                        if (response.CompactRevision != 0)
                        {
                            throw new ChangeStreamCompactedException(next, response.CompactRevision);
                        }

                        if (response.Canceled)
                        {
                            throw new PitcrewException($"etcd cancelled the change stream's watch: {response.CancelReason}", ExitCodes.Failed);
                        }

                        if (response.Events.Count == 0)
                        {
                            continue;
                        }

                        var batch = Batch(response, next, time.GetUtcNow().ToUnixTimeMilliseconds(), endpoint);
                        next = batch[^1].Revision + 1;
                        await output.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
                {
                    log(string.Create(CultureInfo.InvariantCulture, $"change stream: the watch on {endpoint} broke ({e.Status.StatusCode}: {e.Status.Detail}); resuming at revision {next}"));
                    at++;
                    await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            output.TryComplete();
        }
    }

    /// <summary>The response's changes with their sub-revisions; a revision skipped is a gap never papered over.</summary>
    private static List<ChangeRecord> Batch(WatchResponse response, long next, long receivedAt, string endpoint)
    {
        var batch = new List<ChangeRecord>(response.Events.Count);
        long revision = 0;
        var sub = 0;
        foreach (var e in response.Events)
        {
            var kv = e.Kv;
            if (kv.ModRevision != revision)
            {
                var expected = revision == 0 ? next : revision + 1;
                if (kv.ModRevision != expected)
                {
                    throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                        $"the watch on {endpoint} skipped from revision {expected - 1} to {kv.ModRevision}: the stream stops rather than claim revisions it did not see"),
                        ExitCodes.Failed);
                }

                (revision, sub) = (kv.ModRevision, 0);
            }

            var deleted = e.Type == Mvccpb.Event.Types.EventType.Delete;
            batch.Add(new ChangeRecord(kv.ModRevision, sub++, deleted, kv.Key.ToByteArray(), deleted ? [] : kv.Value.ToByteArray(),
                kv.CreateRevision, kv.Version, kv.Lease, receivedAt));
        }

        return batch;
    }
}

/// <summary>The stream's figures for Prometheus: last revision received and stored, when, gaps and failed segment writes.</summary>
internal sealed class ChangeStreamMetrics
{
    private long _received;
    private long _stored;
    private long _receivedAtMs;
    private long _storedAtMs;
    private long _gaps;
    private long _failures;

    public long LastReceivedRevision => Interlocked.Read(ref _received);

    public long LastStoredRevision => Interlocked.Read(ref _stored);

    public DateTimeOffset? LastStoredAt => Interlocked.Read(ref _storedAtMs) is var ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public DateTimeOffset? LastReceivedAt => Interlocked.Read(ref _receivedAtMs) is var ms and > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public long Gaps => Interlocked.Read(ref _gaps);

    public long SegmentFailures => Interlocked.Read(ref _failures);

    public void Received(long revision, DateTimeOffset at)
    {
        Interlocked.Exchange(ref _received, revision);
        Interlocked.Exchange(ref _receivedAtMs, at.ToUnixTimeMilliseconds());
    }

    public void Stored(long revision, DateTimeOffset at)
    {
        Interlocked.Exchange(ref _stored, revision);
        Interlocked.Exchange(ref _storedAtMs, at.ToUnixTimeMilliseconds());
    }

    public void Gap() => Interlocked.Increment(ref _gaps);

    public void SegmentFailed() => Interlocked.Increment(ref _failures);
}
