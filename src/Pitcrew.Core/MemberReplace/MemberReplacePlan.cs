namespace Pitcrew.MemberReplace;

/// <summary>What a replace step does: a node command, a call to etcd, or a wait on etcd.</summary>
public enum ReplaceStepKind
{
    /// <summary>A command on the node (as root).</summary>
    Run,

    /// <summary>Poll a node command until it prints nothing (etcd's container gone).</summary>
    WaitGone,

    /// <summary>etcd member remove of the old member.</summary>
    RemoveMember,

    /// <summary>etcd member add --learner with the same name and peer URLs.</summary>
    AddLearner,

    /// <summary>Read the parked manifest, set --initial-cluster and --initial-cluster-state=existing, upload it back.</summary>
    RewriteManifest,

    /// <summary>Wait until the learner started and its applied index is near the leader's.</summary>
    WaitCaughtUp,

    /// <summary>etcd member promote, again while etcd says it is not in sync.</summary>
    Promote,

    /// <summary>A voter, started, healthy, in the same cluster, serving the leader's keys.</summary>
    Verify,
}

/// <summary>One step of the runbook; the ID is what the journal records.</summary>
/// <param name="Path">The node file the step writes (the rewritten manifest).</param>
public sealed record ReplaceStep(string Id, ReplaceStepKind Kind, string Description, string? Command = null, string? Path = null);

/// <summary>Why the replace does not start, with the hint that overrides it and the exit code.</summary>
public sealed record ReplaceProblem(string Message, string Hint, int ExitCode);

/// <summary>The member to replace as the member list showed it when the run started.</summary>
/// <param name="Id">Its ID in hex, as etcdctl prints it.</param>
/// <param name="ClusterId">The cluster's ID in hex: the new member must report the same.</param>
/// <param name="Others">The other members' names, for the plan's text.</param>
public sealed record ReplaceTarget(string Node, string Id, string Name, IReadOnlyList<string> PeerUrls, string ClusterId, IReadOnlyList<string> Others);

/// <summary>The checked runbook for one node's member: the steps, or the problems that stop it before anything is touched.</summary>
public sealed record MemberReplacePlan(ReplaceTarget? Target, string Stamp, string Aside, IReadOnlyList<ReplaceStep> Steps, IReadOnlyList<ReplaceProblem> Problems)
{
    public bool Ok => Problems.Count == 0;
}

/// <summary>Where the runbook works on the node.</summary>
public sealed record ReplacePaths(string DataDir, string ManifestDir)
{
    public static readonly ReplacePaths Kubeadm = new(Restore.ClusterRestoreProcedure.DefaultDataDir, Restore.ClusterRestoreProcedure.DefaultManifestDir);

    public string Manifest => Path.Combine(ManifestDir, "etcd.yaml");

    /// <summary>Beside the manifests dir, not in it, so the kubelet does not run it.</summary>
    public string Parked => Path.Combine(Path.GetDirectoryName(ManifestDir.TrimEnd('/')) ?? "/", "etcd.yaml.pitcrew-replace");

    /// <summary>The old data dir's new name (kept, never deleted).</summary>
    public string Aside(string stamp) => $"{DataDir.TrimEnd('/')}.pitcrew-{stamp}";
}
