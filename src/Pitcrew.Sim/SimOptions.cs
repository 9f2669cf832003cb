using Pitcrew.Sim.Api;

namespace Pitcrew.Sim;

/// <summary>How to start the simulated cluster.</summary>
/// <param name="Directory">Where etcd data, certificates, the kubeconfig and logs go.</param>
/// <param name="EtcdEndpoints">An etcd to use instead of starting one.</param>
public sealed record SimOptions(string Directory, int ControlPlanes = 1, int Workers = 3, string KubernetesVersion = "v1.30.4", string? EtcdEndpoints = null)
{
    internal SimVersion Version => SimVersion.Parse(KubernetesVersion);
}
