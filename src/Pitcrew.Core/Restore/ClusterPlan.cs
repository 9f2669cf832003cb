namespace Pitcrew.Restore;

/// <summary>One member of the intended cluster, as etcd will identify it after the restore.</summary>
/// <param name="PeerUrls">Sorted, normalised peer URLs.</param>
public sealed record PlannedMember(string Name, IReadOnlyList<string> PeerUrls, ulong Id)
{
    public string IdHex => MemberIds.Hex(Id);
}

/// <summary>A check that failed, why, and what to do about it.</summary>
public sealed record RestoreProblem(string Check, string Message, string Hint);

/// <summary>The whole intended cluster: members sorted by ID, the shared cluster ID, and what is wrong with it.</summary>
public sealed record ClusterPlan(string Token, IReadOnlyList<PlannedMember> Members, ulong ClusterId, IReadOnlyList<RestoreProblem> Problems)
{
    public string ClusterIdHex => MemberIds.Hex(ClusterId);

    public bool Ok => Problems.Count == 0;

    public PlannedMember? Member(string name) => Members.FirstOrDefault(m => m.Name == name);
}

/// <summary>A single member's restore: the cluster, this member, the revision handling, and failed checks.</summary>
/// <param name="BumpRevision">Revisions added past the snapshot's latest (0: none).</param>
public sealed record MemberPlan(ClusterPlan Cluster, PlannedMember? Self, long BumpRevision, bool MarkCompacted, IReadOnlyList<RestoreProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}
