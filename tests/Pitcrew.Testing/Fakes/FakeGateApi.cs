using Pitcrew.Cluster;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Testing.Fakes;

/// <summary>
/// The health gates' read of a cluster held in a <see cref="FakeNodeApi"/>, as <see cref="KubeUpgradeApi"/> makes it:
/// nodes with their readiness, cordon and kubelet, the owners of crash-looping pods, the budgets' health; plus the
/// API server's version and the workloads held here. Counts its reads; <see cref="BeforeRead"/> lets a test change the
/// cluster between them.
/// </summary>
internal sealed class FakeGateApi(FakeNodeApi cluster, KubeVersion apiServer) : IGateApi
{
    private const string ControlPlaneLabel = "node-role.kubernetes.io/control-plane";
    private int _reads;

    public KubeVersion ApiServer { get; set; } = apiServer;

    /// <summary>Deployments, StatefulSets and DaemonSets as the gates see them.</summary>
    public List<WorkloadState> Workloads { get; } = [];

    /// <summary>Control-plane static pods and their images.</summary>
    public List<ControlPlanePod> ControlPlane { get; } = [];

    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Runs before each read with its number (1 for the first).</summary>
    public Action<int>? BeforeRead { get; set; }

    public Task<GateFacts> ReadGateFactsAsync(CancellationToken cancellationToken)
    {
        BeforeRead?.Invoke(Interlocked.Increment(ref _reads));
        var nodes = cluster.Nodes;
        var versions = new ClusterVersions(ApiServer, null,
            [.. nodes.Select(n => new NodeVersion(n.Name, n.Labels.ContainsKey(ControlPlaneLabel), Kubelet(n)))], [.. ControlPlane], null, null, null);
        var crashLooping = cluster.Pods.Where(p => p.Containers.Any(c => c.WaitingReason == "CrashLoopBackOff"))
            .Select(p => p.Controller is { } owner ? $"{owner.Kind} {p.Namespace}/{owner.Name}" : $"Pod {p.Namespace}/{p.Name}")
            .ToHashSet(StringComparer.Ordinal);
        var budgets = cluster.Budgets.Select(b => new BudgetState($"{b.Namespace}/{b.Name}", b.CurrentHealthy, b.DesiredHealthy)).ToList();
        return Task.FromResult(new GateFacts([.. nodes.Select(n => new GateNode(n.Name, n.Ready, n.Unschedulable, Kubelet(n)))], versions,
            [.. Workloads], crashLooping, budgets));
    }

    private static KubeVersion? Kubelet(NodeFacts node) => KubeVersion.TryParse(node.KubeletVersion, out var kubelet) ? kubelet : null;
}
