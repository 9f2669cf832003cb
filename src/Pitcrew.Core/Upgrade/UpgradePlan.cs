namespace Pitcrew.Upgrade;

/// <summary>How a check came out: fine, worth knowing but never blocking, blocking unless --force, or blocking whatever.</summary>
internal enum CheckSeverity
{
    Ok,
    Warning,
    Skippable,
    Mandatory,
}

/// <summary>One version rule applied to one subject, with why and what to do.</summary>
internal sealed record SkewCheck(string Rule, CheckSeverity Severity, string Subject, string Reason, string? Hint = null);

/// <summary>One row of a kubeadm-style table: COMPONENT, NODE, CURRENT, TARGET.</summary>
internal sealed record ComponentChange(string Component, string? Node, string Current, string Target);

/// <summary>The commands one group of nodes runs in a step (the runbook rendered for that role).</summary>
internal sealed record RoleCommands(string Role, IReadOnlyList<string> Nodes, IReadOnlyList<string> Steps);

/// <summary>One kubeadm upgrade, from one version to the next (at most one minor up).</summary>
internal sealed record UpgradeStep(
    int Number,
    string From,
    string To,
    string Description,
    IReadOnlyList<ComponentChange> Kubelets,
    IReadOnlyList<ComponentChange> ControlPlane,
    IReadOnlyList<RoleCommands> Commands);

/// <summary>Whether a minor still gets patches.</summary>
internal sealed record SupportStatus(string Minor, string Status, DateOnly? EndOfLife, string Detail);

/// <summary>Another path to the same place (or the nearer one), as kubeadm upgrade plan shows the current minor's latest patch beside the next minor.</summary>
/// <param name="Flags">What to add to the command to take it, e.g. --via-latest-patch.</param>
internal sealed record PathOption(string Description, IReadOnlyList<string> Path, string Flags);

/// <summary>What upgrade plan found and proposes: the path one minor at a time, per-step tables and commands, and every check.</summary>
internal sealed record UpgradePlan(
    string Current,
    string? Configured,
    string Target,
    IReadOnlyList<string> Path,
    IReadOnlyList<UpgradeStep> Steps,
    IReadOnlyList<SkewCheck> Checks,
    IReadOnlyList<SupportStatus> Support,
    string Runbook,
    DateOnly ReleasesAsOf,
    IReadOnlyList<PathOption> Options)
{
    /// <summary>The target is older than the cluster: there is no plan, only the block that says so.</summary>
    public bool Downgrade => KubeVersion.Parse(Target) < KubeVersion.Parse(Current);

    /// <summary>The cluster runs the target already.</summary>
    public bool UpToDate => Steps.Count == 0 && !Downgrade;

    public bool HasMandatory => Checks.Any(c => c.Severity == CheckSeverity.Mandatory);

    public bool HasSkippable => Checks.Any(c => c.Severity == CheckSeverity.Skippable);

    public bool HasWarnings => Checks.Any(c => c.Severity == CheckSeverity.Warning);

    /// <summary>Whether the upgrade may go ahead: no mandatory violation, and no skippable one unless forced.</summary>
    public bool CanProceed(bool force) => !HasMandatory && (force || !HasSkippable);
}

/// <summary>What the user asked: a target (v1.30.4, v1.30, or none for the newest release), and whether to go through the current minor's latest patch first.</summary>
internal sealed record UpgradeRequest(string? To, bool ViaLatestPatch = false);
