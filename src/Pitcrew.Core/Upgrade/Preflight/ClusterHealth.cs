namespace Pitcrew.Upgrade.Preflight;

/// <summary>A node's Ready status ("True", "False", "Unknown") and the pressure conditions it reports.</summary>
internal sealed record NodeHealth(string Name, bool ControlPlane, string Ready, IReadOnlyList<string> Pressures);

/// <summary>A control-plane pod in kube-system: its component, node, phase, readiness and why a container waits (CrashLoopBackOff...).</summary>
internal sealed record ControlPlanePodHealth(string Component, string Node, string Phase, bool Ready, string? Waiting);

/// <summary>
/// What preflight reads beyond versions: node conditions, control-plane pods, pending pods, and kube-apiserver's
/// apiserver_requested_deprecated_apis series (null when /metrics cannot be read).
/// </summary>
internal sealed record ClusterHealth(
    IReadOnlyList<NodeHealth> Nodes,
    IReadOnlyList<ControlPlanePodHealth> ControlPlane,
    IReadOnlyList<string> PendingPods,
    IReadOnlyList<DeprecatedApiRequest>? DeprecatedRequests);

/// <summary>One apiserver_requested_deprecated_apis series: an API clients still request, and the release that removes it.</summary>
internal sealed record DeprecatedApiRequest(string Group, string Version, string Resource, string? RemovedRelease);
