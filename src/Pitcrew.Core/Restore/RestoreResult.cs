namespace Pitcrew.Restore;

/// <summary>What a restore wrote: where, under which identities, and at which revision the member starts.</summary>
/// <param name="Revision">The revision the restored member starts at (the snapshot's, plus the bump).</param>
public sealed record RestoreResult(
    string DataDir,
    string WalDir,
    string Name,
    string MemberId,
    string ClusterId,
    IReadOnlyList<PlannedMember> Members,
    long SnapshotRevision,
    long Revision,
    bool MarkedCompacted,
    bool KubernetesKeys,
    long DbBytes,
    long Pairs);
