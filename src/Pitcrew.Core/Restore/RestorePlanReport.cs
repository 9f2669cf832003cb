namespace Pitcrew.Restore;

/// <summary>What a whole-cluster restore will do: per member its ID and exact command, the shared cluster ID, failed checks.</summary>
/// <param name="RestoredRevision">The revision every member starts at (snapshot's plus the bump).</param>
public sealed record RestorePlanReport(
    string Snapshot,
    long SnapshotRevision,
    bool KubernetesKeys,
    long BumpRevision,
    long RestoredRevision,
    string Token,
    string ClusterId,
    IReadOnlyList<MemberCommand> Members,
    IReadOnlyList<RestoreProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>One member of the plan and the command to run on its node.</summary>
public sealed record MemberCommand(string Name, IReadOnlyList<string> PeerUrls, string MemberId, string Command);

/// <summary>What the plan needs to know about the snapshot, read before planning.</summary>
/// <param name="Problem">Why the snapshot cannot be restored, or null when it verified.</param>
public sealed record SnapshotFacts(long Revision, bool KubernetesKeys, string? Problem);
