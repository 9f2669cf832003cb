using Pitcrew.Sim.Cluster;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>What kubeadm changes in the cluster: static pods per node (their mirror pods), kubeadm-config, the kube-proxy and CoreDNS addons.</summary>
internal static class StaticPods
{
    public const string KubeadmConfig = "kubeadm-config";

    /// <summary>The version of the node's static pods (its kube-apiserver's), else the cluster's.</summary>
    public static async Task<SimVersion> VersionAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var pod = await call.Services.Store.GetAsync(AgentStore.Pods, "kube-system", $"kube-apiserver-{call.Node}", cancellationToken).ConfigureAwait(false);
        return ControlPlaneLayout.StaticPodVersion(pod) ?? (await ClusterConfigurationAsync(call, cancellationToken).ConfigureAwait(false)).Version;
    }

    /// <summary>The ClusterConfiguration text and the version it names.</summary>
    public static async Task<(string Text, SimVersion Version)> ClusterConfigurationAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var config = await call.Services.Store.GetAsync(AgentStore.ConfigMaps, "kube-system", KubeadmConfig, cancellationToken).ConfigureAwait(false);
        var text = (string?)config?["data"]?["ClusterConfiguration"] ?? string.Empty;
        return (text, ControlPlaneLayout.KubernetesVersion(text) ?? call.Services.Served.Current);
    }

    public static Task SetClusterVersionAsync(AgentCall call, SimVersion version, CancellationToken cancellationToken) =>
        call.Services.Store.MutateAsync(AgentStore.ConfigMaps, "kube-system", KubeadmConfig, config =>
        {
            var text = (string?)config["data"]?["ClusterConfiguration"] ?? string.Empty;
            config["data"]!["ClusterConfiguration"] = ControlPlaneLayout.WithKubernetesVersion(text, version);
            return true;
        }, cancellationToken);

    /// <summary>Replaces the node's static pods with those of the version (the kubelet recreates each mirror pod, Pending until it starts).</summary>
    public static async Task WriteAsync(AgentCall call, JsonObject node, SimVersion version, IEnumerable<string> components, CancellationToken cancellationToken)
    {
        var store = call.Services.Store;
        var etcdMoved = ObjectMeta.Metadata(node)["annotations"]?[ControlPlaneLayout.EtcdManifestAnnotation] is not null;
        foreach (var component in components.Where(c => c != "etcd" || !etcdMoved))
        {
            if (component == "etcd")
            {
                await RestartMemberAsync(call, version, cancellationToken).ConfigureAwait(false);
            }

            await store.DeleteNowAsync(AgentStore.Pods, "kube-system", $"{component}-{call.Node}", cancellationToken).ConfigureAwait(false);
            foreach (var pod in ControlPlaneLayout.StaticPods(node, version, [component], store.EtcdUrlsOf(call.Node)))
            {
                await store.CreateAsync(AgentStore.Pods, pod, "kube-system", call.Now, cancellationToken).ConfigureAwait(false);
            }

            call.Out($"[upgrade/staticpods] Component \"{component}\" upgraded successfully!");
        }

        var (config, _) = await ClusterConfigurationAsync(call, cancellationToken).ConfigureAwait(false);
        if (ControlPlaneLayout.EndpointNode(config) == call.Node)
        {
            call.Services.Served.Current = version;
        }
    }

    /// <summary>
    /// A new etcd image restarts the node's stacked member, as the kubelet does when kubeadm rewrites etcd.yaml; kubeadm
    /// then waits for etcd to answer again. The same image leaves the member running.
    /// </summary>
    private static async Task RestartMemberAsync(AgentCall call, SimVersion version, CancellationToken cancellationToken)
    {
        if (call.Services.Etcd?.On(call.Node) is not { Running: true } member)
        {
            return;
        }

        // No mirror pod: the member was just started from its manifest put back (restore, replace), not given a new image.
        var pod = await call.Services.Store.GetAsync(AgentStore.Pods, "kube-system", $"etcd-{call.Node}", cancellationToken).ConfigureAwait(false);
        var image = ControlPlaneLayout.Image("etcd", version);
        if (pod is null || (string?)pod["spec"]?["containers"]?[0]?["image"] == image)
        {
            return;
        }

        call.Out($"[upgrade/etcd] Restarting etcd member {member.Node} with {image}");
        await call.Services.Etcd.StopAsync(call.Node).ConfigureAwait(false);
        await call.Services.Etcd.StartAsync(call.Node, cancellationToken).ConfigureAwait(false);
        call.Out("[upgrade/etcd] Waiting for etcd to become available");
    }

    /// <summary>
    /// Upgrades kube-proxy and CoreDNS once every control-plane node runs the version, as kubeadm (1.28+) does from the
    /// last control-plane instance.
    /// </summary>
    public static async Task AddonsAsync(AgentCall call, SimVersion version, CancellationToken cancellationToken)
    {
        var store = call.Services.Store;
        var behind = new List<string>();
        foreach (var node in (await store.ListAsync(AgentStore.Nodes, null, cancellationToken).ConfigureAwait(false)).Where(AgentServices.IsControlPlane))
        {
            var name = Resources.Name(node);
            var pod = await store.GetAsync(AgentStore.Pods, "kube-system", $"kube-apiserver-{name}", cancellationToken).ConfigureAwait(false);
            if (ControlPlaneLayout.StaticPodVersion(pod) != version)
            {
                behind.Add(name);
            }
        }

        if (behind.Count > 0)
        {
            call.Out($"[upgrade/addon] Skipping upgrade of addons because control plane instances [{string.Join(' ', behind)}] have not been upgraded");
            return;
        }

        foreach (var (resource, addon) in ControlPlaneLayout.Addons(version))
        {
            var name = Resources.Name(addon);
            var image = (string?)addon["spec"]!["template"]!["spec"]!["containers"]![0]!["image"];
            await store.MutateAsync(ResourceCatalog.Find("apps", "v1", resource)!, "kube-system", name, current =>
            {
                var container = current["spec"]?["template"]?["spec"]?["containers"]?[0];
                if (container is null || (string?)container["image"] == image)
                {
                    return false;
                }

                container["image"] = image;
                return true;
            }, cancellationToken).ConfigureAwait(false);
            call.Out($"[addons] Applied essential addon: {(name == "coredns" ? "CoreDNS" : name)}");
        }
    }
}
