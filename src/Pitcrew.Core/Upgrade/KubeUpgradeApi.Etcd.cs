using k8s;

namespace Pitcrew.Upgrade;

internal sealed partial class KubeUpgradeApi
{
    /// <summary>The etcd static pods of the control planes (kube-system, component=etcd), with kubeadm's annotation and their command lines.</summary>
    public async Task<IReadOnlyList<EtcdPod>> ReadEtcdPodsAsync(CancellationToken cancellationToken)
    {
        var pods = await Call(() => client.CoreV1.ListNamespacedPodAsync(KubeSystem, labelSelector: ClusterEtcd.PodSelector, cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        return ClusterEtcd.Pods(pods);
    }
}
