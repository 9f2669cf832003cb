namespace Pitcrew.Upgrade;

/// <summary>A node's role and the version its kubelet reports.</summary>
internal sealed record NodeVersion(string Name, bool ControlPlane, KubeVersion? Kubelet);

/// <summary>A control-plane static pod (kube-apiserver, kube-controller-manager, kube-scheduler, etcd) on a node and its image.</summary>
internal sealed record ControlPlanePod(string Node, string Component, string Image)
{
    /// <summary>The image's tag: v1.30.4, or 3.5.15-0 for etcd.</summary>
    public string Tag => Image[(Image.LastIndexOf(':') + 1)..];
}

/// <summary>
/// What kubeadm upgrade plan reads from a cluster: kube-apiserver's /version, the ClusterConfiguration's
/// kubernetesVersion, every node's kubelet, the control-plane static pods' images, the kube-proxy and CoreDNS images;
/// and the local kubectl's version when one was found.
/// </summary>
internal sealed record ClusterVersions(
    KubeVersion ApiServer,
    KubeVersion? Configured,
    IReadOnlyList<NodeVersion> Nodes,
    IReadOnlyList<ControlPlanePod> ControlPlane,
    string? KubeProxyImage,
    string? CoreDnsImage,
    KubeVersion? Kubectl)
{
    public const string ApiServerComponent = "kube-apiserver";
    public const string ControllerManagerComponent = "kube-controller-manager";
    public const string SchedulerComponent = "kube-scheduler";
    public const string EtcdComponent = "etcd";

    /// <summary>Control-plane nodes first, in name order, then workers.</summary>
    public IEnumerable<NodeVersion> Ordered => Nodes.OrderBy(n => n.ControlPlane ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal);

    public IEnumerable<ControlPlanePod> Pods(string component) => ControlPlane.Where(p => p.Component == component).OrderBy(p => p.Node, StringComparer.Ordinal);
}

/// <summary>The narrow port upgrade planning reads the cluster through.</summary>
internal interface IUpgradeApi
{
    Task<ClusterVersions> ReadVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Node conditions, control-plane pods, pending pods and the deprecated-API metric, for preflight.</summary>
    Task<Preflight.ClusterHealth> ReadHealthAsync(CancellationToken cancellationToken);
}
