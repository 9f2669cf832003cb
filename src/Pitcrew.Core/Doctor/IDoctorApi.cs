using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>
/// The read-only port the doctor gathers cluster facts through; lists are paged. A 403 becomes <see cref="NotAuthorizedException"/>
/// so the runner reports "not authorized to check X" instead of failing.
/// </summary>
internal interface IDoctorApi
{
    Task<IReadOnlyList<NodeFacts>> ListNodesAsync(CancellationToken cancellationToken);

    /// <summary>Node name -> renewTime of its Lease in kube-node-lease.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset?>> ListNodeLeasesAsync(CancellationToken cancellationToken);

    /// <summary>Pods in one namespace, or everywhere when null.</summary>
    Task<IReadOnlyList<PodFacts>> ListPodsAsync(string? ns, CancellationToken cancellationToken);

    /// <summary>Warning events in one namespace, or everywhere when null.</summary>
    Task<IReadOnlyList<EventFacts>> ListWarningEventsAsync(string? ns, CancellationToken cancellationToken);

    /// <summary>Node usage from metrics.k8s.io; null when the metrics API is not served.</summary>
    Task<IReadOnlyList<NodeUsage>?> NodeUsageAsync(CancellationToken cancellationToken);

    Task<string?> ServerVersionAsync(CancellationToken cancellationToken);

    /// <summary>kube-system's etcd static pods (component=etcd): where kubeadm's members advertise their client URLs.</summary>
    Task<IReadOnlyList<Upgrade.EtcdPod>> ListEtcdPodsAsync(CancellationToken cancellationToken);

    /// <summary>Marks a port with no cluster behind it (doctor etcd without a kubeconfig): nothing is asked of it.</summary>
    internal interface Offline;

    /// <summary>The API server's host and port, for reading its serving certificate.</summary>
    (string Host, int Port)? ServerEndpoint { get; }
}

/// <summary>The API server refused a read (403): what could not be checked.</summary>
internal sealed class NotAuthorizedException(string what, string message) : Exception(message)
{
    public string What { get; } = what;
}
