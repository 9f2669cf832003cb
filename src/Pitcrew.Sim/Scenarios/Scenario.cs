namespace Pitcrew.Sim.Scenarios;

/// <summary>A simulated cluster described as data: version, node groups, workloads and faults at start.</summary>
public sealed record Scenario(string Version, IReadOnlyList<NodeGroup> Nodes, IReadOnlyList<Workload> Workloads, IReadOnlyList<StartFault> Faults)
{
    /// <summary>Just nodes: N control planes and M workers, nothing running.</summary>
    public static Scenario Bare(string version, int controlPlanes, int workers) => new(
        version,
        [Group("cp", controlPlanes, true), Group("worker", workers, false)],
        [],
        []);

    /// <summary>The same scenario with the control-plane and worker groups resized (command-line overrides).</summary>
    public Scenario WithCounts(int? controlPlanes, int? workers) => this with
    {
        Nodes = [.. Nodes.Select(g => g.ControlPlane ? g with { Count = controlPlanes ?? g.Count } : g with { Count = workers ?? g.Count })],
    };

    private static NodeGroup Group(string name, int count, bool controlPlane) =>
        new(name, count, controlPlane, new Dictionary<string, string>(), [], new Dictionary<string, string>(), null);

    /// <summary>Node names in order: each group's name with -1, -2, ... (a group of one keeps the number too).</summary>
    public IEnumerable<(string Name, NodeGroup Group)> NodeNames() =>
        Nodes.SelectMany(g => Enumerable.Range(1, g.Count).Select(i => ($"{g.Name}-{i}", g)));
}

/// <summary>A group of identical nodes.</summary>
public sealed record NodeGroup(
    string Name,
    int Count,
    bool ControlPlane,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<NodeTaint> Taints,
    IReadOnlyDictionary<string, string> Capacity,
    string? KubeletVersion,
    TimeSpan? KubeletCertExpiresIn = null,
    TimeSpan? CertificatesExpireIn = null);

/// <summary>A taint a node group carries.</summary>
public sealed record NodeTaint(string Key, string? Value, string Effect);

/// <summary>
/// A workload to create: a Deployment, a StatefulSet, a DaemonSet, a Job or a bare Pod, with an optional
/// PodDisruptionBudget. Completions, Parallelism and RunSeconds (how long each pod runs before it succeeds) are a Job's.
/// </summary>
public sealed record Workload(
    string Kind,
    string Name,
    string Namespace,
    int Replicas,
    string Image,
    bool EmptyDir,
    IReadOnlyDictionary<string, string> NodeSelector,
    string? PdbMinAvailable,
    string? PdbMaxUnavailable,
    int? Completions = null,
    int? Parallelism = null,
    int? RunSeconds = null);

/// <summary>A fault a node has from the start.</summary>
public sealed record StartFault(string Node, string Fault);
