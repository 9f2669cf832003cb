namespace Pitcrew.Sim.Cluster;

/// <summary>
/// The version /version reports: that of the kube-apiserver on the node the kubeadm-config's controlPlaneEndpoint names
/// (the sim's API server stands for it). The node agent moves it when kubeadm upgrades that node's static pods.
/// </summary>
internal sealed class ServedVersion(SimVersion initial)
{
    private SimVersion _current = initial;

    public SimVersion Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}

/// <summary>Finds what /version serves for a cluster in the store.</summary>
internal static class ServedVersionSource
{
    /// <summary>The kube-apiserver version of the controlPlaneEndpoint's node, else the scenario's version.</summary>
    public static async Task<ServedVersion> LoadAsync(Storage.RegistryStore store, SimVersion fallback, CancellationToken cancellationToken)
    {
        var agentStore = new NodeAgent.AgentStore(store);
        var config = await agentStore.GetAsync(NodeAgent.AgentStore.ConfigMaps, "kube-system", NodeAgent.StaticPods.KubeadmConfig, cancellationToken).ConfigureAwait(false);
        var endpoint = ControlPlaneLayout.EndpointNode((string?)config?["data"]?["ClusterConfiguration"] ?? string.Empty);
        var pod = endpoint is null ? null : await agentStore.GetAsync(NodeAgent.AgentStore.Pods, "kube-system", $"kube-apiserver-{endpoint}", cancellationToken).ConfigureAwait(false);
        return new ServedVersion(ControlPlaneLayout.StaticPodVersion(pod) ?? fallback);
    }
}
