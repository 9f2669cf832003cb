using k8s;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;
using Pitcrew.Executors;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// What apply reaches the world through, each opened only when the run gets to it (so a request refused early touches
/// nothing): the cluster, the local kubectl's version, the cluster's etcd, the backup store and its key, the executor.
/// </summary>
internal sealed record ApplyPorts(
    Func<KubernetesClientConfiguration> Kube,
    Func<CancellationToken, Task<KubeVersion?>> KubectlVersionAsync,
    Func<KubeUpgradeApi, CancellationToken, Task<ClusterEtcdSource>> ResolveEtcdAsync,
    Func<IBackupStore> OpenStore,
    Func<BackupKey?> BackupKey,
    Func<KubernetesClientConfiguration, INodeExecutor> CreateExecutor,
    TimeProvider Time);
