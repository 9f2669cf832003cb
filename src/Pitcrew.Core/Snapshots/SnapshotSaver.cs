using Grpc.Core;
using Pitcrew.Etcd;
using Pitcrew.Files;

namespace Pitcrew.Snapshots;

/// <summary>Streams Maintenance.Snapshot from a chosen member to disk, verifying etcd's SHA-256 trailer on the fly.</summary>
public static class SnapshotSaver
{
    private const long ProgressEveryBytes = 4 << 20;

    /// <summary>
    /// Left alone, the runtime lets the heap and its committed regions grow to ~100 MB during a long stream of
    /// short-lived buffers. A full, decommitting collection this often (a few ms each, the live heap being tiny)
    /// keeps memory flat whatever the database size.
    /// </summary>
    private const long CollectEveryBytes = 64 << 20;

    /// <summary>An election after a leader failure takes etcd a few seconds (1 s heartbeat, 10 election ticks by default).</summary>
    private const int ElectionAttempts = 8;

    private static readonly TimeSpan ElectionRetryDelay = TimeSpan.FromSeconds(1);

    public static async Task<SnapshotSaveResult> SaveAsync(
        SnapshotSaveOptions options, IProgress<SnapshotProgress>? progress, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var clients = options.Connection.Endpoints.Select(e => new EtcdEndpointClient(options.Connection, e)).ToList();
        try
        {
            var source = await ChooseSourceAsync(clients, time, cancellationToken).ConfigureAwait(false);
            var client = clients.First(c => c.Endpoint == source.Member.Endpoint);
            try
            {
                var (bytes, digest) = await StreamAsync(client, options.Path, progress, time, started, cancellationToken).ConfigureAwait(false);
                var head = SnapshotHead.Read(options.Path);
                return new SnapshotSaveResult(
                    Path.GetFullPath(options.Path), client.Endpoint, source.Reason, source.Skipped, bytes, head.DbSize,
                    head.Revision, head.CompactRevision, digest, time.GetElapsedTime(started));
            }
            catch (Exception e) when (e is RpcException && !cancellationToken.IsCancellationRequested)
            {
                throw EtcdErrors.Translate(client.Endpoint, e);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>Asks every endpoint for its status and picks one; waits out a leader election in progress.</summary>
    private static async Task<SnapshotSource> ChooseSourceAsync(List<EtcdEndpointClient> clients, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (statuses, failures) = await GatherAsync(clients, cancellationToken).ConfigureAwait(false);
            try
            {
                if (failures.Count == clients.Count)
                {
                    // Nobody answered: one endpoint keeps its own error; several share an exit code when they agree.
                    var code = failures.Select(f => f.ExitCode).Distinct().Count() == 1 ? failures[0].ExitCode : ExitCodes.Unavailable;
                    throw failures.Count == 1
                        ? failures[0]
                        : new PitcrewException("no etcd endpoint answered: " + string.Join("; ", failures.Select(f => f.Message)), code);
                }

                return SnapshotSourceSelector.Choose(statuses);
            }
            catch (PitcrewException e) when (e.ExitCode == ExitCodes.Unavailable && attempt < ElectionAttempts && MayBeElecting(statuses))
            {
                await Task.Delay(ElectionRetryDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A member that answers without a leader, or times out, may be mid-election rather than gone.</summary>
    private static bool MayBeElecting(IReadOnlyList<EndpointStatus> statuses) =>
        statuses.Any(s => (s.Reachable && s.Leader == 0) || (s.Failure?.Contains("timed out", StringComparison.Ordinal) ?? false));

    private static async Task<(IReadOnlyList<EndpointStatus> Statuses, List<PitcrewException> Failures)> GatherAsync(
        List<EtcdEndpointClient> clients, CancellationToken cancellationToken)
    {
        var failures = new List<PitcrewException>();
        var statuses = await Task.WhenAll(clients.Select(async client =>
        {
            try
            {
                return await client.StatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or PitcrewException && !cancellationToken.IsCancellationRequested)
            {
                var error = EtcdErrors.Translate(client.Endpoint, e);
                lock (failures)
                {
                    failures.Add(error);
                }

                return EndpointStatus.Failed(client.Endpoint, EtcdErrors.Reason(client.Endpoint, e));
            }
        })).ConfigureAwait(false);
        return (statuses, failures);
    }

    private static async Task<(long Bytes, string Digest)> StreamAsync(
        EtcdEndpointClient client, string path, IProgress<SnapshotProgress>? progress, TimeProvider time, long started,
        CancellationToken cancellationToken)
    {
        await using var file = AtomicFile.Create(path);
        using var hasher = new SnapshotStreamHasher();
        using var call = await client.SnapshotAsync(cancellationToken).ConfigureAwait(false);
        long? expected = null;
        var nextReport = ProgressEveryBytes;
        var nextCollect = CollectEveryBytes;
        await foreach (var response in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            using var chunk = response;
            var blob = chunk.Blob;
            expected ??= (long)chunk.RemainingBytes + blob.Length + SnapshotFileLayout.TrailerSize;
            hasher.Append(blob.Span);
            await file.Stream.WriteAsync(blob, cancellationToken).ConfigureAwait(false);
            if (hasher.Bytes >= nextCollect)
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                nextCollect = hasher.Bytes + CollectEveryBytes;
            }

            if (progress is not null && hasher.Bytes >= nextReport)
            {
                progress.Report(new SnapshotProgress(hasher.Bytes, expected, time.GetElapsedTime(started)));
                nextReport = hasher.Bytes + ProgressEveryBytes;
            }
        }

        if (!hasher.Matches(out var digest))
        {
            throw new SnapshotFormatException(
                $"{client.Endpoint}: the snapshot stream ({hasher.Bytes} bytes) does not end with the SHA-256 of its content; nothing was written",
                ExitCodes.Corrupt);
        }

        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        progress?.Report(new SnapshotProgress(hasher.Bytes, hasher.Bytes, time.GetElapsedTime(started)));
        return (hasher.Bytes, digest);
    }
}
