using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>The node-maintenance port over the official client; HTTP errors become results or kubectl-worded failures here.</summary>
internal sealed class KubeNodeApi(IKubernetes client) : INodeApi
{
    private const string DryRunAll = "All";
    private const int WatchSeconds = 300;

    public async Task<NodeFacts> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return KubeFacts.Node(await client.CoreV1.ReadNodeAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false));
        }
        catch (HttpOperationException e)
        {
            throw ServerError(e);
        }
    }

    public async Task<IReadOnlyList<NodeFacts>> ListNodesAsync(string? labelSelector, int chunkSize, CancellationToken cancellationToken)
    {
        var nodes = new List<NodeFacts>();
        string? next = null;
        do
        {
            var page = await Call(() => client.CoreV1.ListNodeAsync(continueParameter: next, labelSelector: labelSelector, limit: Limit(chunkSize),
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            nodes.AddRange(page.Items.Select(KubeFacts.Node));
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));
        return nodes;
    }

    public Task SetUnschedulableAsync(string name, bool unschedulable, string? cordonMark, bool serverDryRun, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject { ["unschedulable"] = unschedulable ? true : null },
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [NodeFacts.CordonedByPitcrew] = cordonMark } },
        };
        return Call(() => client.CoreV1.PatchNodeAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), name,
            dryRun: serverDryRun ? DryRunAll : null, cancellationToken: cancellationToken));
    }

    public async Task<PodSnapshot> ListPodsAsync(string? nodeName, string? labelSelector, int chunkSize, CancellationToken cancellationToken)
    {
        var pods = new List<PodFacts>();
        string? next = null;
        string version;
        do
        {
            var page = await Call(() => client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next,
                fieldSelector: nodeName is null ? null : "spec.nodeName=" + nodeName, labelSelector: labelSelector, limit: Limit(chunkSize),
                cancellationToken: cancellationToken)).ConfigureAwait(false);
            pods.AddRange(page.Items.Select(KubeFacts.Pod));
            next = page.Metadata?.ContinueProperty;
            version = page.Metadata?.ResourceVersion ?? "0";
        }
        while (!string.IsNullOrEmpty(next));
        return new PodSnapshot(pods, version);
    }

    public async Task<bool> DaemonSetExistsAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (HttpOperationException e)
        {
            throw ServerError(e);
        }
    }

    public async Task<BudgetSnapshot> ListBudgetsAsync(CancellationToken cancellationToken)
    {
        var list = await Call(() => client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new BudgetSnapshot([.. list.Items.Select(KubeFacts.Budget)], list.Metadata?.ResourceVersion ?? "0");
    }

    public async Task<EvictionResult> EvictAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken)
    {
        var eviction = new V1Eviction
        {
            ApiVersion = "policy/v1",
            Kind = "Eviction",
            Metadata = new V1ObjectMeta { Name = pod.Name, NamespaceProperty = pod.Namespace },
            DeleteOptions = Options(gracePeriodSeconds, serverDryRun),
        };
        try
        {
            await client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod.Name, pod.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return EvictionResult.Accepted;
        }
        catch (HttpOperationException e)
        {
            return Outcome(e);
        }
    }

    public async Task<EvictionResult> DeleteAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(pod.Name, pod.Namespace, Options(gracePeriodSeconds, serverDryRun),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return EvictionResult.Accepted;
        }
        catch (HttpOperationException e)
        {
            return Outcome(e);
        }
    }

    public async IAsyncEnumerable<PodChange> WatchPodsAsync(string nodeName, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = client.CoreV1.WatchListPodForAllNamespacesAsync(fieldSelector: "spec.nodeName=" + nodeName,
            resourceVersion: resourceVersion, timeoutSeconds: WatchSeconds, cancellationToken: cancellationToken);
        await foreach (var (type, pod) in events.ConfigureAwait(false))
        {
            if (type is WatchEventType.Added or WatchEventType.Modified or WatchEventType.Deleted)
            {
                yield return new PodChange(type == WatchEventType.Deleted, KubeFacts.Pod(pod));
            }
            else if (type == WatchEventType.Error)
            {
                yield break;
            }
        }
    }

    public async IAsyncEnumerable<BudgetFacts> WatchBudgetsAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = client.PolicyV1.WatchListPodDisruptionBudgetForAllNamespacesAsync(resourceVersion: resourceVersion,
            timeoutSeconds: WatchSeconds, cancellationToken: cancellationToken);
        await foreach (var (type, pdb) in events.ConfigureAwait(false))
        {
            if (type is WatchEventType.Added or WatchEventType.Modified)
            {
                yield return KubeFacts.Budget(pdb);
            }
            else if (type == WatchEventType.Error)
            {
                yield break;
            }
        }
    }

    private static V1DeleteOptions Options(int gracePeriodSeconds, bool serverDryRun) => new()
    {
        GracePeriodSeconds = gracePeriodSeconds >= 0 ? gracePeriodSeconds : null,
        DryRun = serverDryRun ? [DryRunAll] : null,
    };

    private static int? Limit(int chunkSize) => chunkSize > 0 ? chunkSize : null;

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            throw ServerError(e);
        }
    }

    private static EvictionResult Outcome(HttpOperationException e)
    {
        var status = Status(e);
        var message = status?.Message ?? e.Message;
        var causes = status?.Details?.Causes?.Select(c => c.Message).Where(m => !string.IsNullOrEmpty(m)).ToList() ?? [];
        return (int)e.Response.StatusCode switch
        {
            404 => EvictionResult.Gone,
            429 => new EvictionResult(EvictionStatus.TooManyRequests, message, causes, RetryAfter(e, status)),
            403 when status?.Details?.Causes?.Any(c => c.Reason == "NamespaceTerminating") == true =>
                new EvictionResult(EvictionStatus.NamespaceTerminating, message),
            _ => new EvictionResult(EvictionStatus.Failed, message),
        };
    }

    private static TimeSpan? RetryAfter(HttpOperationException e, V1Status? status)
    {
        if (status?.Details?.RetryAfterSeconds is { } seconds && seconds > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return e.Response.Headers.TryGetValue("Retry-After", out var values) && int.TryParse(values.FirstOrDefault(), out var header) && header > 0
            ? TimeSpan.FromSeconds(header)
            : null;
    }

    private static V1Status? Status(HttpOperationException e)
    {
        try
        {
            return string.IsNullOrEmpty(e.Response.Content) ? null : KubernetesJson.Deserialize<V1Status>(e.Response.Content);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>kubectl's wording for a failed request: "Error from server (NotFound): nodes \"x\" not found".</summary>
    private static ServerErrorException ServerError(HttpOperationException e)
    {
        var status = Status(e);
        var reason = string.IsNullOrEmpty(status?.Reason) ? e.Response.StatusCode.ToString() : status.Reason;
        var code = (int)e.Response.StatusCode switch
        {
            401 or 403 => ExitCodes.TlsOrAuth,
            503 => ExitCodes.Unavailable,
            _ => ExitCodes.Failed,
        };
        return new ServerErrorException($"Error from server ({reason}): {status?.Message ?? e.Message}", code, e);
    }
}
