using System.Security.Cryptography;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Snapshots;

/// <summary>Reads an etcd snapshot file natively: framing, trailer hash, full structure walk and etcd's figures.</summary>
public static class SnapshotReader
{
    private const int HashChunk = 1 << 20;

    /// <summary>Reads the file; throws <see cref="SnapshotFormatException"/> with a one-line reason when it is unsound.</summary>
    /// <param name="path">The snapshot file.</param>
    /// <param name="checkTrailer">Recompute the SHA-256 trailer (on a second core, alongside the walk).</param>
    /// <param name="cancellationToken">Cancels the trailer hash.</param>
    public static async Task<SnapshotStatus> ReadAsync(string path, bool checkTrailer, CancellationToken cancellationToken)
    {
        using var file = BoltFile.Open(path);
        var hashing = checkTrailer && file.HasTrailer
            ? Task.Run(() => DigestMatches(file, cancellationToken), cancellationToken)
            : Task.FromResult(false);

        var visitor = new EtcdDbVisitor(file.OffsetOf);
        var walker = new BoltWalker(file);
        try
        {
            walker.Walk(visitor);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            // Every bound is checked before use; should one slip, the user still gets a verdict, not a crash.
            throw SnapshotFormatException.Corrupt(path, $"damaged structure ({e.Message})");
        }
        finally
        {
            // The digest reads the mapping; it must finish before the file is unmapped.
            await ((Task)hashing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        var matches = await hashing.ConfigureAwait(false);
        if (!visitor.HasKeyBucket)
        {
            throw SnapshotFormatException.NotASnapshot(path, "a bbolt database without etcd's \"key\" bucket");
        }

        var trailer = new TrailerCheck(
            file.HasTrailer,
            checkTrailer && file.HasTrailer,
            matches,
            file.HasTrailer ? Convert.ToHexStringLower(file.Trailer) : null);

        return new SnapshotStatus(
            visitor.Hash.Compute(file),
            visitor.Revision,
            visitor.TotalKey,
            file.DatabaseSize,
            visitor.StorageVersion,
            visitor.AllBucketKeys,
            visitor.LiveKeyCount,
            visitor.TotalKeySemantics,
            visitor.KeyRevisions,
            visitor.FinishedCompactRevision,
            visitor.ScheduledCompactRevision,
            visitor.ConsistentIndex,
            visitor.Term,
            visitor.ClusterVersion,
            visitor.Members,
            trailer,
            file.FileLength,
            file.PageSize,
            walker.PagesInUse,
            RegistryResources.Count(visitor.LiveKeys));
    }

    /// <summary>Reads and insists on a sound file: the trailer must be present and match unless skipped.</summary>
    public static async Task<SnapshotStatus> VerifyAsync(string path, bool skipHashCheck, CancellationToken cancellationToken)
    {
        var status = await ReadAsync(path, checkTrailer: !skipHashCheck, cancellationToken).ConfigureAwait(false);
        if (skipHashCheck)
        {
            return status;
        }

        if (!status.Trailer.Present)
        {
            throw SnapshotFormatException.Truncated(path,
                "no SHA-256 trailer (a cut-off file, or a raw member/snap/db copy: pass --skip-hash-check for those)");
        }

        if (!status.Trailer.Matches)
        {
            throw SnapshotFormatException.Corrupt(path, "SHA-256 of the database does not match its trailer");
        }

        return status;
    }

    /// <summary>Hashes with read(2) into one buffer rather than through the mapping the walk is faulting in.</summary>
    internal static bool DigestMatches(BoltFile file, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var handle = File.OpenHandle(file.Path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var buffer = new byte[HashChunk];
        for (long offset = 0; offset < file.DataLength;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(HashChunk, file.DataLength - offset)), offset);
            if (read <= 0)
            {
                return false;
            }

            sha.AppendData(buffer, 0, read);
            offset += read;
        }

        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return digest.SequenceEqual(file.Trailer);
    }
}
