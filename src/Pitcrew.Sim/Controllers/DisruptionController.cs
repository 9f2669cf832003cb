using System.Globalization;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Keeps each PodDisruptionBudget's status true to its pods, as kube-controller-manager's disruption controller does:
/// expected and desired healthy counts, current healthy, disruptions allowed, recent disruptions, observed generation.
/// </summary>
/// <remarks>Controller scales are approximated by the number of matching pods until the workload controllers land.</remarks>
internal sealed class DisruptionController : IController
{
    /// <summary>An eviction not followed by the pod's deletion within this time stops counting as a disruption.</summary>
    private static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    public bool TimeDriven => true;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var budgets = cache.List(Resources.Budgets);
        if (budgets.Count == 0)
        {
            return;
        }

        var byNamespace = cache.List(Resources.Pods).ToLookup(p => Resources.Namespace(p) ?? string.Empty, StringComparer.Ordinal);
        var writes = new List<Task>();
        foreach (var pdb in budgets)
        {
            var selector = pdb["spec"]?["selector"] as JsonObject;
            var pods = byNamespace[Resources.Namespace(pdb) ?? string.Empty]
                .Where(p => LabelSelector.Matches(selector, ObjectMeta.Metadata(p)["labels"] as JsonObject))
                .ToDictionary(Resources.Name, StringComparer.Ordinal);
            var status = Compute(pdb, pods, now);
            if (pdb["status"] is JsonObject old && Same(old, status))
            {
                continue;
            }

            var copy = ClusterCache.Copy(pdb);
            copy["status"] = status;
            writes.Add(writer.UpdateAsync(Resources.Budgets, copy, cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    internal static JsonObject Compute(JsonObject pdb, IReadOnlyDictionary<string, JsonObject> pods, DateTimeOffset now)
    {
        var spec = pdb["spec"] as JsonObject ?? [];
        var expected = pods.Count;
        int desired;
        if (spec["maxUnavailable"] is { } maxUnavailable)
        {
            desired = Math.Max(0, expected - Scaled(maxUnavailable, expected));
        }
        else
        {
            desired = spec["minAvailable"] is { } minAvailable ? Scaled(minAvailable, expected) : 0;
        }

        var disrupted = new JsonObject();
        foreach (var (name, at) in (pdb["status"]?["disruptedPods"] as JsonObject) ?? [])
        {
            if (pods.TryGetValue(name, out var pod) && !Resources.Terminating(pod) && Resources.Time(at) is { } when && when + DeletionTimeout > now)
            {
                disrupted[name] = at?.DeepClone();
            }
        }

        var healthy = pods.Values.Count(p => !Resources.Terminating(p) && !disrupted.ContainsKey(Resources.Name(p)) && Resources.HasCondition(p, "Ready"));
        var allowed = expected <= 0 ? 0 : Math.Max(0, healthy - desired);
        var previous = (pdb["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "DisruptionAllowed");
        var conditionStatus = allowed > 0 ? "True" : "False";
        var condition = new JsonObject
        {
            ["type"] = "DisruptionAllowed",
            ["status"] = conditionStatus,
            ["reason"] = allowed > 0 ? "SufficientPods" : "InsufficientPods",
            ["message"] = string.Empty,
            ["observedGeneration"] = ObjectMeta.Metadata(pdb)["generation"]?.DeepClone(),
            ["lastTransitionTime"] = (string?)previous?["status"] == conditionStatus && previous?["lastTransitionTime"] is { } kept
                ? kept.DeepClone()
                : ObjectMeta.Timestamp(now),
        };
        return new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Metadata(pdb)["generation"]?.DeepClone() ?? 1,
            ["disruptedPods"] = disrupted,
            ["disruptionsAllowed"] = allowed,
            ["currentHealthy"] = healthy,
            ["desiredHealthy"] = desired,
            ["expectedPods"] = expected,
            ["conditions"] = new JsonArray(condition),
        };
    }

    /// <summary>An IntOrString against a total: an integer as is, a percentage rounded up.</summary>
    private static int Scaled(JsonNode value, int total)
    {
        if (value is JsonValue v && v.TryGetValue<int>(out var number))
        {
            return number;
        }

        var text = (string?)value ?? "0";
        return text.EndsWith('%') && int.TryParse(text[..^1], CultureInfo.InvariantCulture, out var percent)
            ? (int)Math.Ceiling(percent * total / 100.0)
            : int.TryParse(text, CultureInfo.InvariantCulture, out var plain) ? plain : 0;
    }

    private static bool Same(JsonObject old, JsonObject computed) => JsonNode.DeepEquals(old, computed);
}
