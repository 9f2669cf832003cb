using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;
using Pitcrew.Files;
using Pitcrew.Restore;
using Pitcrew.Restore.Bolt;
using Pitcrew.Snapshots;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Backups.Changes;

/// <summary>What the store covers from one full backup: its revision up to the end of its contiguous chain.</summary>
public sealed record CoveredRange(BackupManifest Base, IReadOnlyList<SegmentManifest> Chain)
{
    public long First => Base.Snapshot.Revision;

    public long Last => Chain.Count > 0 ? Chain[^1].LastRevision : Base.Snapshot.Revision;

    public DateTimeOffset FirstAt => Base.CreatedAt;

    public DateTimeOffset LastAt => Chain.Count > 0 ? Chain[^1].LastAt : Base.CreatedAt;

    public long Changes => Chain.Sum(s => s.Changes);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}-{Last} ({Base.Name})");
}

/// <summary>A backup's chain read through: every segment's hashes, sizes and continuity checked.</summary>
public sealed record ChainCheck(int Segments, long Changes, long ThroughRevision, DateTimeOffset ThroughTime);

/// <summary>A snapshot rebuilt for a point: the file, the base it came from, the revision it holds, the changes replayed.</summary>
public sealed record PointInTimeResult(string Path, string Base, long Revision, long Replayed, int Segments, SnapshotStatus Status, TimeSpan Took);

/// <summary>
/// Rebuilds the snapshot etcd would have taken at a revision (or a moment): the nearest full backup at or before it,
/// then its chain's changes up to the revision appended to the "key" bucket as etcd writes them, natively and streaming
/// (the base is walked page by page, the changes are spooled to a file first, so memory stays flat). The result is a
/// plain snapshot file with etcd's SHA-256 trailer, written atomically with mode 0600.
/// </summary>
internal static class PointInTime
{
    /// <summary>Every range the store covers, oldest base first.</summary>
    public static async Task<IReadOnlyList<CoveredRange>> CoverageAsync(IBackupStore store, CancellationToken cancellationToken) =>
        await CoverageAsync(store, await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Every range the store covers from these listed backups, oldest base first.</summary>
    public static async Task<IReadOnlyList<CoveredRange>> CoverageAsync(IBackupStore store, IReadOnlyList<BackupEntry> entries, CancellationToken cancellationToken)
    {
        var listed = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        var segments = await ChangeSegments.ListAsync(store, listed, cancellationToken).ConfigureAwait(false);
        var pooled = ChangeSegments.All(segments).ToList();
        return [.. entries.Where(e => e.ObjectPresent).Select(e => new CoveredRange(e.Manifest, ChangeSegments.Chain(e.Manifest.Snapshot.Revision, pooled)))
            .OrderBy(r => r.First)];
    }

    /// <summary>Revisions no chain covers between a streamed range and the next base (a stream that stopped or hit a compaction).</summary>
    public static IReadOnlyList<(long From, long To, CoveredRange After)> Gaps(IReadOnlyList<CoveredRange> ranges)
    {
        var gaps = new List<(long, long, CoveredRange)>();
        var ordered = ranges.OrderBy(r => r.First).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            var reached = ordered.Take(i).Max(r => r.Last);
            if (ordered[i - 1].Chain.Count > 0 && ordered[i].First > reached + 1)
            {
                gaps.Add((reached + 1, ordered[i].First - 1, ordered[i - 1]));
            }
        }

        return gaps;
    }

    /// <summary>The range to rebuild revision N from: the newest base at or before N whose chain reaches N (only NAME's when given).</summary>
    public static CoveredRange Choose(IReadOnlyList<CoveredRange> ranges, string name, long revision, string location)
    {
        var candidates = name == "latest" ? ranges : [.. ranges.Where(r => r.Base.Name == name)];
        if (name != "latest" && candidates.Count == 0)
        {
            throw new PitcrewException($"{location}: no backup named {name}; see `pitcrew etcd backup list`", ExitCodes.FileNotFound);
        }

        return candidates.Where(r => r.First <= revision && revision <= r.Last).OrderBy(r => r.First).LastOrDefault()
            ?? throw new PitcrewException(
                string.Create(CultureInfo.InvariantCulture, $"{location}: revision {revision} is not covered") + (name == "latest" ? string.Empty : $" by {name}") +
                ": the store covers " + (candidates.Count == 0 ? "nothing yet" : string.Join(", ", candidates.Select(r => r.ToString()))), ExitCodes.FileNotFound);
    }

    /// <summary>The newest revision at or before the moment: the base's own, or the last change received by then.</summary>
    public static async Task<(CoveredRange Range, long Revision)> ResolveTimeAsync(IBackupStore store, IReadOnlyList<CoveredRange> ranges, string name, DateTimeOffset at,
        BackupKey? key, CancellationToken cancellationToken)
    {
        var candidates = name == "latest" ? ranges : [.. ranges.Where(r => r.Base.Name == name)];
        var range = candidates.Where(r => r.FirstAt <= at).OrderBy(r => r.FirstAt).LastOrDefault()
            ?? throw new PitcrewException(
                $"{store.Location}: {Stamp(at)} is before every backup" + (name == "latest" ? string.Empty : $" named {name}") + ": the store covers " +
                (candidates.Count == 0 ? "nothing yet" : string.Join(", ", candidates.Select(r => $"{Stamp(r.FirstAt)}..{Stamp(r.LastAt)} ({r.Base.Name})"))), ExitCodes.FileNotFound);
        var revision = range.First;
        foreach (var segment in range.Chain)
        {
            if (segment.FirstAt > at)
            {
                break;
            }

            if (segment.LastAt <= at)
            {
                revision = segment.LastRevision;
                continue;
            }

            await foreach (var change in ChangeSegments.ReadAsync(store, segment, key, cancellationToken).ConfigureAwait(false))
            {
                if (change.ReceivedAt > at)
                {
                    break;
                }

                revision = change.Revision;
            }

            break;
        }

        return (range, revision);
    }

    /// <summary>Reads every segment of the backup's chain (hashes, sizes, continuity); null when it has none.</summary>
    public static async Task<ChainCheck?> VerifyChainAsync(IBackupStore store, string name, BackupKey? key, CancellationToken cancellationToken)
    {
        var range = (await CoverageAsync(store, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Base.Name == name);
        if (range is not { Chain.Count: > 0 })
        {
            return null;
        }

        long changes = 0;
        foreach (var segment in range.Chain)
        {
            await foreach (var _ in ChangeSegments.ReadAsync(store, segment, key, cancellationToken).ConfigureAwait(false))
            {
                changes++;
            }
        }

        return new ChainCheck(range.Chain.Count, changes, range.Last, range.LastAt);
    }

    /// <summary>Fetches the base, replays its chain up to the revision and writes the snapshot file.</summary>
    public static async Task<PointInTimeResult> BuildAsync(IBackupStore store, CoveredRange range, long revision, BackupKey? key, string destination, string workDirectory,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        Directory.CreateDirectory(workDirectory);
        var stem = Path.Combine(workDirectory, $"pitcrew-pit-{Environment.ProcessId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var basePath = stem + ".base.db";
        var changesPath = stem + ".changes";
        var full = Path.GetFullPath(destination);
        var staging = $"{full}.{Environment.ProcessId}.pit";
        try
        {
            // The base and the changes come in at once (decompressing one, decoding the other: a core each).
            var fetching = BackupReader.FetchForRebuildAsync(store, range.Base.Name, key, basePath, cancellationToken);
            var spooling = SpoolChangesAsync(store, range, revision, key, changesPath, cancellationToken);
            await Task.WhenAll(fetching, spooling).ConfigureAwait(false);
            if ((await fetching.ConfigureAwait(false)).Snapshot.Revision != range.Base.Snapshot.Revision)
            {
                throw new PitcrewException($"{store.Location}/{range.Base.Name} changed while it was read (a prune or fold running?)", ExitCodes.Failed);
            }

            var (replayed, segments) = await spooling.ConfigureAwait(false);
            Write(basePath, changesPath, range.Base.Snapshot.Revision, staging);

            // The structure walk and etcd's SHA-256 of the new file at once; the trailer goes on once both are done.
            var hashing = Task.Run(() => Digest(staging), cancellationToken);
            var walking = SnapshotReader.VerifyAsync(staging, skipHashCheck: true, cancellationToken);
            await Task.WhenAll(hashing, walking).ConfigureAwait(false);
            var digest = await hashing.ConfigureAwait(false);
            AppendTrailer(staging, digest);
            var status = (await walking.ConfigureAwait(false)) with { Trailer = new TrailerCheck(true, true, true, Convert.ToHexStringLower(digest)) };
            if (status.Revision != revision)
            {
                throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                    $"the rebuilt snapshot is at revision {status.Revision}, not {revision}; nothing was written"), ExitCodes.Corrupt);
            }

            File.Move(staging, full, overwrite: true);
            DirectorySync.Flush(Path.GetDirectoryName(full)!);
            return new PointInTimeResult(full, range.Base.Name, revision, replayed, segments, status, time.GetElapsedTime(started));
        }
        finally
        {
            File.Delete(basePath);
            File.Delete(changesPath);
            File.Delete(staging);
        }
    }

    /// <summary>The chain's changes up to the revision, as etcd's key-bucket pairs, into a private spool file.</summary>
    private static async Task<(long Replayed, int Segments)> SpoolChangesAsync(IBackupStore store, CoveredRange range, long revision, BackupKey? key, string path,
        CancellationToken cancellationToken)
    {
        long replayed = 0;
        var segments = 0;
        await using var spool = PrivateFiles.CreateNew(path, 1 << 20);
        var header = new byte[8];
        var next = range.First + 1;
        foreach (var segment in range.Chain.TakeWhile(s => s.FirstRevision <= revision))
        {
            segments++;
            await foreach (var change in ChangeSegments.ReadAsync(store, segment, key, cancellationToken).ConfigureAwait(false))
            {
                if (change.Revision < next)
                {
                    // Covered by the base or the segment before (a chain may continue on an overlapping segment).
                    continue;
                }

                if (change.Revision > revision)
                {
                    break;
                }

                var (k, v) = change.BucketPair();
                BinaryPrimitives.WriteInt32BigEndian(header, k.Length);
                BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), v.Length);
                await spool.WriteAsync(header, cancellationToken).ConfigureAwait(false);
                await spool.WriteAsync(k, cancellationToken).ConfigureAwait(false);
                await spool.WriteAsync(v, cancellationToken).ConfigureAwait(false);
                replayed++;
            }

            next = segment.LastRevision + 1;
        }

        return (replayed, segments);
    }

    /// <summary>Walks the base into a new file, appending the spooled pairs after the base's last revision, then etcd's trailer.</summary>
    private static void Write(string basePath, string changesPath, long baseRevision, string staging)
    {
        using (var file = BoltFile.Open(basePath))
        {
            using var changes = new FileStream(changesPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var writer = new BoltFileWriter(staging, file.PageSize);
            var copier = new Appender(writer, changes, baseRevision, file.ReleaseResident);
            new BoltWalker(file).Walk(copier);
            copier.Complete();
        }
    }

    private static byte[] Digest(string path)
    {
        using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return SHA256.HashData(input);
    }

    private static void AppendTrailer(string path, byte[] digest)
    {
        using var output = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.None);
        output.Write(digest);
        output.Flush(flushToDisk: true);
    }

    private static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Copies every bucket as is; at the end of "key" appends the changes (their revisions follow the base's last).</summary>
    private sealed class Appender(BoltFileWriter writer, Stream changes, long baseRevision, Action release) : BoltVisitor
    {
        private const long ReleaseEvery = 64L << 20;
        private BoltTreeBuilder? _tree;
        private bool _inKeys;
        private long _lastRevision;
        private long _sinceRelease;
        private bool _sawKeys;

        public override void EnterBucket(ReadOnlySpan<byte> name, int depth)
        {
            if (depth != 1)
            {
                return;
            }

            EndKeys();
            _inKeys = name.SequenceEqual("key"u8);
            _sawKeys |= _inKeys;
            _tree = writer.BeginBucket(name);
        }

        public override void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth)
        {
            if (isBucket || depth != 1)
            {
                throw new SnapshotFormatException($"nested bucket \"{BoltWalker.Printable(key)}\"; etcd files have none", ExitCodes.Corrupt);
            }

            if (_inKeys && MvccKeys.TryReadRevision(key, out var main, out _))
            {
                _lastRevision = main;
            }

            _tree!.Add(key, value);
            _sinceRelease += key.Length + value.Length;
            if (_sinceRelease >= ReleaseEvery)
            {
                _sinceRelease = 0;
                release();
            }
        }

        public void Complete()
        {
            EndKeys();
            if (!_sawKeys)
            {
                throw new PitcrewException("the base backup has no \"key\" bucket: not an etcd snapshot", ExitCodes.NotASnapshot);
            }

            writer.Complete();
        }

        private void EndKeys()
        {
            if (!_inKeys)
            {
                return;
            }

            _inKeys = false;
            if (_lastRevision != baseRevision)
            {
                throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                    $"the base backup ends at revision {_lastRevision}, its manifest says {baseRevision}"), ExitCodes.Corrupt);
            }

            var header = new byte[8];
            while (changes.ReadAtLeast(header, 8, throwOnEndOfStream: false) == 8)
            {
                var pair = new byte[BinaryPrimitives.ReadInt32BigEndian(header) + BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4))];
                changes.ReadExactly(pair);
                var keyLength = BinaryPrimitives.ReadInt32BigEndian(header);
                _tree!.Add(pair.AsSpan(0, keyLength), pair.AsSpan(keyLength));
            }
        }
    }
}
