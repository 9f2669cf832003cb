using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Testing.Fakes;

/// <summary>
/// The facts the doctor reads, held in memory behind <see cref="IDoctorApi"/>: nodes, leases, pods, warning events,
/// metrics (null when metrics-server is absent), the server's version. A resource in <see cref="Forbidden"/> answers as
/// <see cref="KubeDoctorApi"/> turns a 403: <see cref="NotAuthorizedException"/> naming what could not be read.
/// Every read is recorded.
/// </summary>
internal sealed class FakeDoctorApi : IDoctorApi
{
    public const string NodesResource = "nodes";
    public const string LeasesResource = "leases";
    public const string PodsResource = "pods";
    public const string EventsResource = "events";
    public const string MetricsResource = "metrics";
    public const string VersionResource = "version";
    public const string EtcdPodsResource = "etcd pods";

    private readonly List<string> _calls = [];

    public List<NodeFacts> Nodes { get; } = [];

    /// <summary>Node name -> renewTime of its Lease in kube-node-lease.</summary>
    public Dictionary<string, DateTimeOffset?> Leases { get; } = new(StringComparer.Ordinal);

    public List<PodFacts> Pods { get; } = [];

    public List<EventFacts> WarningEvents { get; } = [];

    /// <summary>What metrics.k8s.io reports; null when the metrics API is not served.</summary>
    public List<NodeUsage>? Usage { get; set; }

    public string? ServerVersion { get; set; } = "v1.31.2";

    public (string Host, int Port)? ServerEndpoint { get; set; }

    /// <summary>The resources (the constants above) the user may not read.</summary>
    public HashSet<string> Forbidden { get; } = new(StringComparer.Ordinal);

    /// <summary>The user the refusals name.</summary>
    public string User { get; init; } = "dev";

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    public Task<IReadOnlyList<NodeFacts>> ListNodesAsync(CancellationToken cancellationToken) =>
        Read(NodesResource, NodesResource, "nodes", () => (IReadOnlyList<NodeFacts>)[.. Nodes]);

    public Task<IReadOnlyDictionary<string, DateTimeOffset?>> ListNodeLeasesAsync(CancellationToken cancellationToken) =>
        Read(LeasesResource, "node leases", "leases.coordination.k8s.io",
            () => (IReadOnlyDictionary<string, DateTimeOffset?>)new Dictionary<string, DateTimeOffset?>(Leases, StringComparer.Ordinal));

    public Task<IReadOnlyList<PodFacts>> ListPodsAsync(string? ns, CancellationToken cancellationToken) =>
        Read(PodsResource, ns is null ? "pods" : $"pods in namespace {ns}", "pods", () => (IReadOnlyList<PodFacts>)[.. Pods.Where(p => ns is null || p.Namespace == ns)]);

    public Task<IReadOnlyList<EventFacts>> ListWarningEventsAsync(string? ns, CancellationToken cancellationToken) =>
        Read(EventsResource, ns is null ? "events" : $"events in namespace {ns}", "events",
            () => (IReadOnlyList<EventFacts>)[.. WarningEvents.Where(e => ns is null || e.Namespace == ns)]);

    public Task<IReadOnlyList<NodeUsage>?> NodeUsageAsync(CancellationToken cancellationToken) =>
        Read(MetricsResource, "node metrics (metrics.k8s.io)", "nodes.metrics.k8s.io", () => Usage is null ? null : (IReadOnlyList<NodeUsage>?)[.. Usage]);

    /// <summary>kube-system's etcd static pods.</summary>
    public List<Pitcrew.Upgrade.EtcdPod> EtcdPods { get; } = [];

    public Task<IReadOnlyList<Pitcrew.Upgrade.EtcdPod>> ListEtcdPodsAsync(CancellationToken cancellationToken) =>
        Read(EtcdPodsResource, "the etcd pods in kube-system", "pods", () => (IReadOnlyList<Pitcrew.Upgrade.EtcdPod>)[.. EtcdPods]);

    public Task<string?> ServerVersionAsync(CancellationToken cancellationToken) =>
        Read(VersionResource, "the API server version", "version", () => ServerVersion);

    private Task<T> Read<T>(string resource, string what, string kind, Func<T> answer)
    {
        lock (_calls)
        {
            _calls.Add(what);
        }

        return Forbidden.Contains(resource)
            ? Task.FromException<T>(new NotAuthorizedException(what, $"{kind} is forbidden: User \"{User}\" cannot list resource \"{kind}\""))
            : Task.FromResult(answer());
    }
}
