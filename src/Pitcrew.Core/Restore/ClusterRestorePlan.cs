namespace Pitcrew.Restore;

/// <summary>What a step does: run a command on a node, poll one until it prints nothing, stop containers by name, or a check from here.</summary>
public enum RestoreStepKind
{
    /// <summary>Run the command on the node; it must exit 0.</summary>
    Run,

    /// <summary>Run the command on the node until it exits 0 and prints nothing (a process gone).</summary>
    WaitGone,

    /// <summary>List the containers the command names on the node and stop them (the kubelet starts them again).</summary>
    StopContainers,

    /// <summary>Wait until every etcd endpoint answers healthy.</summary>
    EtcdHealth,

    /// <summary>Compare keys per prefix in the restored etcd with the snapshot's.</summary>
    VerifyCounts,
}

/// <summary>One step of the procedure: a stable ID for the journal, the node it runs on (null: from here), what it runs.</summary>
public sealed record RestoreStep(string Id, string? Node, RestoreStepKind Kind, string Description, string? Command);

/// <summary>One member to restore and the control-plane node that hosts it.</summary>
public sealed record HostedMember(string Node, string Member, IReadOnlyList<string> PeerUrls);

/// <summary>Everything the procedure is planned from, read before anything is touched.</summary>
/// <param name="Snapshot">The snapshot file here, already verified into <paramref name="Facts"/>.</param>
/// <param name="NodeSnapshot">Where the same file is on every node (the path the restore command reads).</param>
/// <param name="Stamp">The timestamp the old data dirs are moved aside with (kept in the journal, so a resume reuses it).</param>
public sealed record ClusterRestoreInputs(
    string Snapshot,
    string NodeSnapshot,
    SnapshotFacts Facts,
    IReadOnlyList<HostedMember> Members,
    string Token,
    long? Bump,
    string DataDir,
    string ManifestDir,
    string Stamp);

/// <summary>The checked plan: the member-level restore plan, the ordered steps, and every failed check.</summary>
public sealed record ClusterRestorePlan(RestorePlanReport Restore, IReadOnlyList<HostedMember> Members, IReadOnlyList<RestoreStep> Steps, IReadOnlyList<RestoreProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}
