using System.Net;
using k8s;
using k8s.Autorest;
using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>The doctor's port over the official client: paged lists mapped to facts page by page, 403 as NotAuthorized, no metrics API as null.</summary>
internal sealed class KubeDoctorApi(Kubernetes client) : IDoctorApi
{
    private readonly RawListPager _raw = new(client);

    /// <summary>
    /// Items per page: four times kubectl's --chunk-size default, so that 30,000 pods are 15 requests rather than 60 (each
    /// waits on a busy API server); a page of pods is then about 4 MB, which the doctor maps to small facts and drops.
    /// </summary>
    public const int PageSize = 2_000;

    public (string Host, int Port)? ServerEndpoint =>
        client.BaseUri is { } uri ? (uri.Host, uri.Port > 0 ? uri.Port : 443) : null;

    /// <summary>Nodes read from the page JSON (<see cref="NodeReader"/>): the kubelet probes wait for this list.</summary>
    public Task<IReadOnlyList<NodeFacts>> ListNodesAsync(CancellationToken cancellationToken) =>
        _raw.ListAsync("nodes", "api/v1/nodes", PageSize, NodeReader.Read, cancellationToken);

    public async Task<IReadOnlyDictionary<string, DateTimeOffset?>> ListNodeLeasesAsync(CancellationToken cancellationToken)
    {
        var leases = await PagedAsync("node leases", next => client.CoordinationV1.ListNamespacedLeaseAsync("kube-node-lease", continueParameter: next, limit: PageSize,
            cancellationToken: cancellationToken), l => l.Items.Select(i => (i.Metadata.Name, Renewed: DoctorFactsMapper.Time(i.Spec?.RenewTime))),
            l => l.Metadata?.ContinueProperty).ConfigureAwait(false);
        return leases.ToDictionary(l => l.Name, l => l.Renewed, StringComparer.Ordinal);
    }

    /// <summary>Pods read from the page JSON into facts (<see cref="PodReader"/>): the client's models were most of the doctor's CPU at scale.</summary>
    public Task<IReadOnlyList<PodFacts>> ListPodsAsync(string? ns, CancellationToken cancellationToken) =>
        _raw.ListAsync(ns is null ? "pods" : $"pods in namespace {ns}", ns is null ? "api/v1/pods" : $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods", PageSize,
            PodReader.Read, cancellationToken);

    public Task<IReadOnlyList<EventFacts>> ListWarningEventsAsync(string? ns, CancellationToken cancellationToken) =>
        PagedAsync(ns is null ? "events" : $"events in namespace {ns}", next => ns is null
                ? client.CoreV1.ListEventForAllNamespacesAsync(continueParameter: next, fieldSelector: "type=Warning", limit: PageSize, cancellationToken: cancellationToken)
                : client.CoreV1.ListNamespacedEventAsync(ns, continueParameter: next, fieldSelector: "type=Warning", limit: PageSize, cancellationToken: cancellationToken),
            l => l.Items.Select(DoctorFactsMapper.Event), l => l.Metadata?.ContinueProperty);

    public async Task<IReadOnlyList<NodeUsage>?> NodeUsageAsync(CancellationToken cancellationToken)
    {
        try
        {
            var list = await client.GetKubernetesNodesMetricsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return [.. list.Items.ToList().Select(m => new NodeUsage(m.Metadata.Name,
                DoctorFactsMapper.MilliCpu(DoctorFactsMapper.Q(m.Usage, "cpu")), DoctorFactsMapper.Bytes(DoctorFactsMapper.Q(m.Usage, "memory"))))];
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new NotAuthorizedException("node metrics (metrics.k8s.io)", e.Response.Content ?? e.Message);
        }
    }

    public async Task<IReadOnlyList<Upgrade.EtcdPod>> ListEtcdPodsAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Upgrade.ClusterEtcd.Pods(await client.CoreV1.ListNamespacedPodAsync("kube-system", labelSelector: Upgrade.ClusterEtcd.PodSelector, cancellationToken: cancellationToken)
                .ConfigureAwait(false));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new NotAuthorizedException("the etcd pods in kube-system", e.Message);
        }
    }

    public async Task<string?> ServerVersionAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await client.Version.GetCodeAsync(cancellationToken).ConfigureAwait(false)).GitVersion;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw new NotAuthorizedException("the API server version", e.Message);
        }
    }

    private static async Task<IReadOnlyList<TItem>> PagedAsync<TList, TItem>(string what, Func<string?, Task<TList>> page, Func<TList, IEnumerable<TItem>> items,
        Func<TList, string?> continuation)
    {
        var all = new List<TItem>();
        string? next = null;
        do
        {
            TList list;
            try
            {
                list = await page(next).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
            {
                throw new NotAuthorizedException(what, e.Response.Content ?? e.Message);
            }
            catch (HttpOperationException e)
            {
                throw new ServerErrorException($"Error from server ({e.Response.StatusCode}): listing {what}: {e.Message}",
                    e.Response.StatusCode == HttpStatusCode.Unauthorized ? ExitCodes.TlsOrAuth : ExitCodes.Failed, e);
            }

            all.AddRange(items(list));
            next = continuation(list);
        }
        while (!string.IsNullOrEmpty(next));
        return all;
    }
}
