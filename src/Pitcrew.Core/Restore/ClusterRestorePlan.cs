namespace Pitcrew.Restore;

/// <summary>What a step does: run a command on a node, poll one until it prints nothing, stop containers by name, or a check from here.</summary>
public enum RestoreStepKind
{
    /// <summary>Copy the snapshot here to the step's path on the node.</summary>
    Upload,

    /// <summary>Run the command (sha256sum PATH) on the node; its hash must be the step's.</summary>
    CheckSnapshot,

    /// <summary>Run the command on the node; it must exit 0.</summary>
    Run,

    /// <summary>Run the command on the node until it exits 0 and prints nothing (a process gone).</summary>
    WaitGone,

    /// <summary>List the containers the command names on the node and stop them (the kubelet starts them again).</summary>
    StopContainers,

    /// <summary>Wait until every etcd endpoint answers healthy.</summary>
    EtcdHealth,

    /// <summary>Wait until etcd lists the planned members, all voters, and every member reports the planned cluster ID.</summary>
    VerifyMembers,

    /// <summary>Compare keys per prefix served by every member (serializable reads) with the snapshot's.</summary>
    VerifyCounts,
}

/// <summary>One step of the procedure: a stable ID for the journal, the node it runs on (null: from here), what it runs.</summary>
/// <param name="Path">The node path an upload writes.</param>
/// <param name="Sha256">The hash a snapshot check expects (lowercase hex).</param>
public sealed record RestoreStep(string Id, string? Node, RestoreStepKind Kind, string Description, string? Command, string? Path = null, string? Sha256 = null)
{
    /// <summary>Whether the step changes a node's etcd (uploads and checks do not: a run stopped before these can start over).</summary>
    public bool Touches => Kind is not (RestoreStepKind.Upload or RestoreStepKind.CheckSnapshot);
}

/// <summary>The tool the restore step runs on each node.</summary>
public enum RestoreTool
{
    /// <summary>pitcrew etcd snapshot restore (no etcd tools needed on the node; bumps the revision).</summary>
    Pitcrew,

    /// <summary>etcdctl snapshot restore, etcd's own tool (3.4 and 3.5 cannot bump the revision).</summary>
    Etcdctl,
}

/// <summary>One member to restore and the control-plane node that hosts it.</summary>
public sealed record HostedMember(string Node, string Member, IReadOnlyList<string> PeerUrls);

/// <summary>Everything the procedure is planned from, read before anything is touched.</summary>
/// <param name="Snapshot">The snapshot file here, already verified into <paramref name="Facts"/>.</param>
/// <param name="NodeSnapshot">Where the same file is on every node (the path the restore command reads).</param>
/// <param name="Stamp">The timestamp the old data dirs are moved aside with (kept in the journal, so a resume reuses it).</param>
/// <param name="Upload">Copy the snapshot to <paramref name="NodeSnapshot"/> on every node first (false: a copy is already there).</param>
/// <param name="Sha256">The snapshot's SHA-256 here (lowercase hex): every node's copy is checked against it before anything stops; null: no check.</param>
public sealed record ClusterRestoreInputs(
    string Snapshot,
    string NodeSnapshot,
    SnapshotFacts Facts,
    IReadOnlyList<HostedMember> Members,
    string Token,
    long? Bump,
    string DataDir,
    string ManifestDir,
    string Stamp,
    bool Upload = false,
    string? Sha256 = null,
    RestoreTool Tool = RestoreTool.Pitcrew);

/// <summary>The checked plan: the member-level restore plan, the ordered steps, and every failed check.</summary>
public sealed record ClusterRestorePlan(RestorePlanReport Restore, IReadOnlyList<HostedMember> Members, IReadOnlyList<RestoreStep> Steps, IReadOnlyList<RestoreProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}
