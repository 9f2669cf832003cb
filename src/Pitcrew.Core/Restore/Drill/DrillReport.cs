namespace Pitcrew.Restore.Drill;

/// <summary>One comparison of the drill: what the snapshot file says against what the restored etcd served.</summary>
public sealed record DrillCheck(string Name, string Expected, string Served, bool Ok);

/// <summary>The outcome of a restore drill: every check, and whether the backup provably restores.</summary>
public sealed record DrillReport(
    string Snapshot,
    string EtcdVersion,
    string MemberId,
    string ClusterId,
    long Revision,
    IReadOnlyList<DrillCheck> Checks,
    TimeSpan Took)
{
    public bool Ok => Checks.Count > 0 && Checks.All(c => c.Ok);
}
