using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>pods/{name}/eviction as kube-apiserver decides it: PodDisruptionBudgets checked and decremented, then a delete.</summary>
internal sealed class Evictor(RegistryStore store, Deleter deleter, TimeProvider time)
{
    private const int Attempts = 5;
    private const int MaxDisruptedPods = 2000;
    private const int ProcessingRetrySeconds = 10;
    private const string ViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

    private static readonly ApiResource Pods = ResourceCatalog.Find(string.Empty, "v1", "pods")!;
    private static readonly ApiResource Budgets = ResourceCatalog.Find("policy", "v1", "poddisruptionbudgets")!;

    public async Task<ApiResult> EvictAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: ct).ConfigureAwait(false) as JsonObject;
        var named = (string?)body?["metadata"]?["name"];
        if (named is not null && named != path.Name)
        {
            throw ApiStatus.BadRequest("name in URL does not match name in Eviction object");
        }

        var options = DeleteOptions.FromJson(body?["deleteOptions"] as JsonObject);
        options = options with { DryRun = options.DryRun || DryRunQuery.IsDryRun(context.Request) };
        var ns = path.Namespace!;
        return await EvictAsync(ns, path.Name!, await ReadPodAsync(ns, path.Name!, ct).ConfigureAwait(false), options, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Evicts the pod as of this read of it. A pod that goes without spending its budget (pending, or unready while the
    /// budget is healthy) is deleted only while it is still as read, as kube-apiserver pins the deletion to its
    /// resourceVersion: in between it may have become Ready and been counted healthy, and another eviction may have spent
    /// the disruption that count allowed, so deleting it too would take the budget below its minimum.
    /// </summary>
    internal async Task<ApiResult> EvictAsync(string ns, string name, RegistryEntry stored, DeleteOptions options, CancellationToken ct)
    {
        // A caller's own resourceVersion precondition is kept as it is, and a conflict with it is the caller's answer.
        var callerPinned = options.PreconditionResourceVersion is not null;
        var pod = JsonNode.Parse(stored.Value)!.AsObject();
        for (var attempt = 1; CanIgnoreBudget(pod); attempt++)
        {
            try
            {
                return await DeleteAsync(ns, name, Pinned(options, pod, stored), ct).ConfigureAwait(false);
            }
            catch (ApiStatus e) when (e.Code == 409 && !callerPinned && attempt < Attempts)
            {
                // Changed since read (started, perhaps Ready now): decide again on what it is now.
                stored = await ReadPodAsync(ns, name, ct).ConfigureAwait(false);
                pod = JsonNode.Parse(stored.Value)!.AsObject();
            }
        }

        var labels = ObjectMeta.Metadata(pod)["labels"] as JsonObject;
        var budgets = (await store.ListAsync($"{Budgets.KeyPrefix}{ns}/", null, 0, 0, ct).ConfigureAwait(false)).Items
            .Where(b => LabelSelector.Matches(JsonNode.Parse(b.Value)!["spec"]?["selector"] as JsonObject, labels))
            .ToList();
        if (budgets.Count > 1)
        {
            return new ApiResult(500, new ApiStatus(500, "InternalError", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.").ToJson());
        }

        if (budgets.Count == 1 && AllowedWithoutBudget(pod, budgets[0]))
        {
            try
            {
                return await DeleteAsync(ns, name, Pinned(options, pod, stored), ct).ConfigureAwait(false);
            }
            catch (ApiStatus e) when (e.Code == 409 && !callerPinned)
            {
                throw Violation($"The disruption budget {ObjectMeta.Name(JsonNode.Parse(budgets[0].Value)!.AsObject())} is still being processed by the server.", ProcessingRetrySeconds);
            }
        }

        if (budgets.Count == 1)
        {
            await CheckAndDecrementAsync(budgets[0].Key, name, options.DryRun, ct).ConfigureAwait(false);
        }

        return await DeleteAsync(ns, name, options, ct).ConfigureAwait(false);
    }

    private async Task<RegistryEntry> ReadPodAsync(string ns, string name, CancellationToken ct) =>
        await store.GetAsync(Pods.KeyFor(ns, name), ct).ConfigureAwait(false) ?? throw ApiStatus.NotFound(Pods, name);

    /// <summary>
    /// The options pinned to the pod as read, unless it has finished or is already terminating (nothing left to race) or
    /// the caller gave a resourceVersion of its own.
    /// </summary>
    private static DeleteOptions Pinned(DeleteOptions options, JsonObject pod, RegistryEntry stored) =>
        options.PreconditionResourceVersion is not null || (string?)pod["status"]?["phase"] is "Succeeded" or "Failed" || ObjectMeta.Metadata(pod)["deletionTimestamp"] is not null
            ? options
            : options with { PreconditionResourceVersion = stored.ModRevision.ToString(CultureInfo.InvariantCulture) };

    /// <summary>Finished, still pending or already terminating pods are not protected by a budget.</summary>
    private static bool CanIgnoreBudget(JsonObject pod) =>
        (string?)pod["status"]?["phase"] is "Succeeded" or "Failed" or "Pending"
        || ObjectMeta.Metadata(pod)["deletionTimestamp"] is not null;

    /// <summary>An unready pod may go when the budget's policy says so or the budget is healthy anyway.</summary>
    private static bool AllowedWithoutBudget(JsonObject pod, RegistryEntry budget)
    {
        var ready = (pod["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .Any(c => (string?)c["type"] == "Ready" && (string?)c["status"] == "True") ?? false;
        if (ready)
        {
            return false;
        }

        var pdb = JsonNode.Parse(budget.Value)!;
        if ((string?)pdb["spec"]?["unhealthyPodEvictionPolicy"] == "AlwaysAllow")
        {
            return true;
        }

        var current = (long?)pdb["status"]?["currentHealthy"] ?? 0;
        var desired = (long?)pdb["status"]?["desiredHealthy"] ?? 0;
        return current >= desired && desired > 0;
    }

    private async Task CheckAndDecrementAsync(string key, string podName, bool dryRun, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var stored = await store.GetAsync(key, ct).ConfigureAwait(false)
                ?? throw new ApiStatus(429, "TooManyRequests", ViolationMessage) { RetryAfterSeconds = ProcessingRetrySeconds };
            var pdb = JsonNode.Parse(stored.Value)!.AsObject();
            var name = ObjectMeta.Name(pdb);
            var status = pdb["status"] as JsonObject ?? [];
            var generation = (long?)ObjectMeta.Metadata(pdb)["generation"] ?? 0;
            var observed = (long?)status["observedGeneration"] ?? 0;
            var allowed = (long?)status["disruptionsAllowed"] ?? 0;
            var disrupted = status["disruptedPods"] as JsonObject ?? [];
            if (observed < generation)
            {
                throw Violation($"The disruption budget {name} is still being processed by the server.", ProcessingRetrySeconds);
            }

            if (allowed < 0)
            {
                throw new ApiStatus(403, "Forbidden", "pdb disruptions allowed is negative");
            }

            if (disrupted.Count > MaxDisruptedPods)
            {
                throw new ApiStatus(403, "Forbidden", "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
            }

            if (allowed == 0)
            {
                throw Violation(
                    $"The disruption budget {name} needs {(long?)status["desiredHealthy"] ?? 0} healthy pods and has {(long?)status["currentHealthy"] ?? 0} currently", 0);
            }

            if (dryRun)
            {
                return;
            }

            status["disruptionsAllowed"] = allowed - 1;
            disrupted[podName] = ObjectMeta.Timestamp(time.GetUtcNow());
            status["disruptedPods"] = disrupted.DeepClone();
            if (allowed - 1 == 0)
            {
                SetCondition(status, "False", "InsufficientPods");
            }

            pdb["status"] = status;
            if (await store.UpdateAsync(key, pdb, stored.ModRevision, ct).ConfigureAwait(false) is not null)
            {
                return;
            }

            if (attempt == Attempts)
            {
                throw Violation($"The disruption budget {name} is still being processed by the server.", ProcessingRetrySeconds);
            }
        }
    }

    private async Task<ApiResult> DeleteAsync(string ns, string name, DeleteOptions options, CancellationToken ct)
    {
        await deleter.DeleteAsync(Pods, ns, name, options, ct).ConfigureAwait(false);
        return new ApiResult(201, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["code"] = 201,
        });
    }

    private static ApiStatus Violation(string cause, int retryAfter) =>
        new(429, "TooManyRequests", ViolationMessage) { RetryAfterSeconds = retryAfter, Causes = [("DisruptionBudget", cause)] };

    private static void SetCondition(JsonObject status, string value, string reason)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "DisruptionAllowed");
        if (existing is null)
        {
            existing = new JsonObject { ["type"] = "DisruptionAllowed" };
            conditions.Add(existing);
        }

        existing["status"] = value;
        existing["reason"] = reason;
        existing["lastTransitionTime"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        status["conditions"] = conditions.DeepClone();
    }
}
