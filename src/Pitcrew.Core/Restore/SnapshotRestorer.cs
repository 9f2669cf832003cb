using Pitcrew.Restore.Bolt;
using Pitcrew.Restore.Raft;
using Pitcrew.Snapshots;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore;

/// <summary>Restores an etcd snapshot into a new member data dir natively, as etcdutl snapshot restore does.</summary>
public static class SnapshotRestorer
{
    /// <summary>Validates the flags, checks the targets, writes db, raft snapshot and WAL, and moves them into place.</summary>
    public static async Task<RestoreResult> RestoreAsync(RestoreOptions options, CancellationToken cancellationToken)
    {
        var plan = RestorePlanner.PlanMember(options, hasRegistryKeys: false);
        if (!plan.Ok)
        {
            var first = plan.Problems[0];
            throw new PitcrewException($"{first.Message}; {first.Hint}", ExitCodes.InvalidMembership);
        }

        using var file = BoltFile.Open(options.SnapshotPath);
        if (!file.HasTrailer && !options.SkipHashCheck)
        {
            throw SnapshotFormatException.Truncated(options.SnapshotPath,
                "no SHA-256 trailer (a cut-off file, or a raw member/snap/db copy: pass --skip-hash-check for those)");
        }

        using var targets = RestoreTargets.Create(options.EffectiveDataDir, options.WalDir);
        var checkHash = file.HasTrailer && !options.SkipHashCheck;
        var hashing = checkHash
            ? Task.Run(() => SnapshotReader.DigestMatches(file, cancellationToken), cancellationToken)
            : Task.FromResult(true);
        RestoreDbCopier copier;
        long dbBytes;
        try
        {
            (copier, dbBytes) = CopyDatabase(file, Path.Combine(targets.SnapDir, "db"), plan.Cluster, options.BumpRevision);
        }
        catch (SnapshotFormatException)
        {
            // A damaged file is reported as such, whichever of its pages the walk tripped over first.
            if (!await MatchesAsync(hashing).ConfigureAwait(false))
            {
                throw HashMismatch(options.SnapshotPath);
            }

            throw;
        }
        finally
        {
            // The digest reads the mapping; it must finish before the file is unmapped.
            await ((Task)hashing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (!await hashing.ConfigureAwait(false))
        {
            throw HashMismatch(options.SnapshotPath);
        }

        var self = plan.Self!;
        MemberDirWriter.WriteSnapFile(targets.SnapDir, plan.Cluster);
        MemberDirWriter.WriteWal(targets.WalDir, plan.Cluster, self);
        targets.Commit();

        return new RestoreResult(
            options.EffectiveDataDir,
            options.EffectiveWalDir,
            self.Name,
            self.IdHex,
            plan.Cluster.ClusterIdHex,
            plan.Cluster.Members,
            copier.SnapshotRevision,
            copier.SnapshotRevision + copier.Bump,
            copier.Bump > 0,
            copier.HasRegistryKeys,
            dbBytes,
            copier.Pairs);
    }

    private static async Task<bool> MatchesAsync(Task<bool> hashing)
    {
        await ((Task)hashing).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return hashing.IsCompletedSuccessfully && await hashing.ConfigureAwait(false);
    }

    private static SnapshotFormatException HashMismatch(string path) => SnapshotFormatException.Corrupt(path,
        "SHA-256 of the database does not match its trailer (the file is damaged; --skip-hash-check is only for raw member/snap/db copies)");

    private static (RestoreDbCopier Copier, long Bytes) CopyDatabase(BoltFile file, string dbPath, ClusterPlan cluster, long? bump)
    {
        using var writer = new BoltFileWriter(dbPath, file.PageSize);
        var copier = new RestoreDbCopier(writer, cluster, bump, file.ReleaseResident);
        try
        {
            new BoltWalker(file).Walk(copier);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
        {
            throw SnapshotFormatException.Corrupt(file.Path, $"damaged structure ({e.Message})");
        }

        if (!copier.HasKeyBucket)
        {
            throw SnapshotFormatException.NotASnapshot(file.Path, "a bbolt database without etcd's \"key\" bucket");
        }

        copier.Complete();
        return (copier, (long)writer.PageCount * writer.PageSize);
    }
}
