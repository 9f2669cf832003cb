namespace Pitcrew.Upgrade.Runbooks;

/// <summary>Which part of the upgrade a node plays: kubeadm upgrade apply on the first control plane, upgrade node elsewhere.</summary>
internal enum NodeRole
{
    FirstControlPlane,
    ControlPlane,
    Worker,
}

/// <summary>What Pitcrew itself does for a step through the API, instead of running a command on the node.</summary>
internal enum StepAction
{
    None,
    Drain,
    Uncordon,
    WaitReady,
}

/// <summary>
/// One step as written: a shell line (with placeholders) for the node, or an action for Pitcrew. Repeatable says a
/// run step may be run again when a crash left it unconfirmed (the actions always are).
/// </summary>
internal sealed record RunbookStep(string Name, string? Run, StepAction Action, bool Sudo, TimeSpan Timeout, int Line, bool Repeatable = false);

/// <summary>The steps of a kubeadm upgrade per node role, for one package manager.</summary>
internal sealed record Runbook(string Name, string PackageManager, IReadOnlyDictionary<NodeRole, IReadOnlyList<RunbookStep>> Roles, string Source)
{
    /// <summary>The file names used in runbooks for each role.</summary>
    public static readonly IReadOnlyDictionary<string, NodeRole> RoleNames = new Dictionary<string, NodeRole>(StringComparer.Ordinal)
    {
        ["first-control-plane"] = NodeRole.FirstControlPlane,
        ["control-plane"] = NodeRole.ControlPlane,
        ["worker"] = NodeRole.Worker,
    };

    public static string RoleName(NodeRole role) => RoleNames.First(r => r.Value == role).Key;
}
