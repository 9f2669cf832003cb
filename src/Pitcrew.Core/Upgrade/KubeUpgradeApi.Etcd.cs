using k8s;

namespace Pitcrew.Upgrade;

internal sealed partial class KubeUpgradeApi
{
    /// <summary>The etcd static pods of the control planes (kube-system, component=etcd), with kubeadm's annotation and their command lines.</summary>
    public async Task<IReadOnlyList<EtcdPod>> ReadEtcdPodsAsync(CancellationToken cancellationToken)
    {
        var pods = await Call(() => client.CoreV1.ListNamespacedPodAsync(KubeSystem, labelSelector: $"component={ClusterVersions.EtcdComponent}", cancellationToken: cancellationToken))
            .ConfigureAwait(false);
        return [.. pods.Items.Where(p => p.Spec?.NodeName is not null).Select(p => new EtcdPod(
            p.Spec.NodeName,
            p.Metadata.Annotations?.TryGetValue(ClusterEtcd.AdvertiseAnnotation, out var urls) == true ? urls : null,
            [.. p.Spec.Containers?.FirstOrDefault(c => c.Name == ClusterVersions.EtcdComponent)?.Command ?? p.Spec.Containers?.FirstOrDefault()?.Command ?? []]))];
    }
}
