using Pitcrew.Upgrade;

namespace Pitcrew.Tests.Upgrade;

/// <summary>Typed builders of cluster version facts for planner tests.</summary>
internal static class Clusters
{
    /// <summary>A kubeadm cluster with every component at one version: control planes cp-1.., workers w-1...</summary>
    public static ClusterVersions At(string version, int controlPlanes = 1, int workers = 2, string etcd = "3.5.15-0", string coredns = "v1.11.3")
    {
        var v = KubeVersion.Parse(version);
        var nodes = Enumerable.Range(1, controlPlanes).Select(i => new NodeVersion($"cp-{i}", true, v))
            .Concat(Enumerable.Range(1, workers).Select(i => new NodeVersion($"w-{i}", false, v))).ToList();
        var pods = nodes.Where(n => n.ControlPlane).SelectMany(n => new[]
        {
            new ControlPlanePod(n.Name, "kube-apiserver", $"registry.k8s.io/kube-apiserver:{v.Text}"),
            new ControlPlanePod(n.Name, "kube-controller-manager", $"registry.k8s.io/kube-controller-manager:{v.Text}"),
            new ControlPlanePod(n.Name, "kube-scheduler", $"registry.k8s.io/kube-scheduler:{v.Text}"),
            new ControlPlanePod(n.Name, "etcd", $"registry.k8s.io/etcd:{etcd}"),
        }).ToList();
        return new ClusterVersions(v, v, nodes, pods, $"registry.k8s.io/kube-proxy:{v.Text}", $"registry.k8s.io/coredns/coredns:{coredns}", null);
    }

    public static ClusterVersions WithKubelet(this ClusterVersions cluster, string node, string version) => cluster with
    {
        Nodes = [.. cluster.Nodes.Select(n => n.Name == node ? n with { Kubelet = KubeVersion.Parse(version) } : n)],
    };

    public static ClusterVersions WithPod(this ClusterVersions cluster, string node, string component, string tag) => cluster with
    {
        ControlPlane = [.. cluster.ControlPlane.Select(p => p.Node == node && p.Component == component ? p with { Image = p.Image[..(p.Image.LastIndexOf(':') + 1)] + tag } : p)],
    };
}
