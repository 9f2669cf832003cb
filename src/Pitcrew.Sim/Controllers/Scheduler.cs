using System.Globalization;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Places unscheduled pods on a node that is Ready, schedulable, whose taints the pod tolerates, whose labels match
/// its nodeSelector and which has room (pod count); the least loaded first. Unplaceable pods get PodScheduled=False.
/// </summary>
internal sealed class Scheduler(EventRecorder events) : IController
{
    private static readonly string[] BlockingEffects = ["NoSchedule", "NoExecute"];

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = cache.List(Resources.Pods);
        var nodes = cache.List(Resources.Nodes);
        var load = pods.Where(p => p["spec"]?["nodeName"] is not null).GroupBy(p => (string)p["spec"]!["nodeName"]!)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => p["spec"]?["nodeName"] is null && !Resources.Terminating(p)))
        {
            var (node, reasons) = Choose(pod, nodes, load);
            if (node is not null)
            {
                pod["spec"]!["nodeName"] = node;
                load[node] = load.GetValueOrDefault(node) + 1;
                SetScheduled(pod, "True", null, null, now);
            }
            else if (Resources.HasCondition(pod, "PodScheduled", "False"))
            {
                continue; // Already reported; try again when something changes.
            }
            else
            {
                SetScheduled(pod, "False", "Unschedulable", $"0/{nodes.Count} nodes are available: {reasons}.", now);
            }

            if (await writer.UpdateAsync(Resources.Pods, pod, cancellationToken).ConfigureAwait(false))
            {
                var message = node is not null
                    ? $"Successfully assigned {Resources.Namespace(pod)}/{Resources.Name(pod)} to {node}"
                    : (string)((JsonArray)pod["status"]!["conditions"]!).OfType<JsonObject>().Last()["message"]!;
                await events.RecordAsync(pod, Resources.Pods, node is null ? "Warning" : "Normal", node is null ? "FailedScheduling" : "Scheduled",
                    message, "default-scheduler", null, now, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static (string? Node, string Reasons) Choose(JsonObject pod, IReadOnlyList<JsonObject> nodes, Dictionary<string, int> load)
    {
        var why = new Dictionary<string, int>(StringComparer.Ordinal);
        string? best = null;
        foreach (var node in nodes.OrderBy(n => load.GetValueOrDefault(Resources.Name(n))).ThenBy(Resources.Name, StringComparer.Ordinal))
        {
            var reason = Unfit(pod, node, load.GetValueOrDefault(Resources.Name(node)));
            if (reason is null)
            {
                best = Resources.Name(node);
                break;
            }

            why[reason] = why.GetValueOrDefault(reason) + 1;
        }

        // kube-scheduler sorts the "<count> <reason>" strings themselves.
        var reasons = string.Join(", ", why.Select(p => $"{p.Value} {p.Key}").Order(StringComparer.Ordinal));
        return (best, reasons);
    }

    /// <summary>Why the pod cannot go on the node, in the scheduler's words; null when it can.</summary>
    private static string? Unfit(JsonObject pod, JsonObject node, int podsOnNode)
    {
        if ((bool?)node["spec"]?["unschedulable"] == true)
        {
            return "node(s) were unschedulable";
        }

        if (!Resources.HasCondition(node, "Ready"))
        {
            return "node(s) were not ready";
        }

        var tolerations = (pod["spec"]?["tolerations"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var untolerated = (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(t => BlockingEffects.Contains((string?)t["effect"]) && !tolerations.Any(tol => Tolerates(tol, t)));
        if (untolerated is not null)
        {
            return $"node(s) had untolerated taint {{{(string?)untolerated["key"]}: {(string?)untolerated["value"]}}}";
        }

        var labels = ObjectMeta.Metadata(node)["labels"] as JsonObject;
        if (pod["spec"]?["nodeSelector"] is JsonObject selector && selector.Any(p => (string?)labels?[p.Key] != (string?)p.Value))
        {
            return "node(s) didn't match Pod's node affinity/selector";
        }

        var capacity = int.TryParse((string?)node["status"]?["allocatable"]?["pods"], CultureInfo.InvariantCulture, out var pods) ? pods : 110;
        return podsOnNode >= capacity ? "Too many pods" : null;
    }

    /// <summary>A toleration matches a taint on key (or any key with Exists and no key), value (Equal) and effect.</summary>
    internal static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = (string?)toleration["effect"];
        if (!string.IsNullOrEmpty(effect) && effect != (string?)taint["effect"])
        {
            return false;
        }

        var key = (string?)toleration["key"];
        if ((string?)toleration["operator"] == "Exists")
        {
            return string.IsNullOrEmpty(key) || key == (string?)taint["key"];
        }

        return key == (string?)taint["key"] && ((string?)toleration["value"] ?? string.Empty) == ((string?)taint["value"] ?? string.Empty);
    }

    private static void SetScheduled(JsonObject pod, string status, string? reason, string? message, DateTimeOffset now)
    {
        var podStatus = pod["status"] as JsonObject ?? new JsonObject { ["phase"] = "Pending" };
        var conditions = new JsonArray([.. (podStatus["conditions"] as JsonArray)?.OfType<JsonObject>()
            .Where(c => (string?)c["type"] != "PodScheduled").Select(c => (JsonNode?)c.DeepClone()) ?? []]);
        var condition = new JsonObject { ["type"] = "PodScheduled", ["status"] = status, ["lastTransitionTime"] = ObjectMeta.Timestamp(now) };
        if (reason is not null)
        {
            condition["reason"] = reason;
            condition["message"] = message;
        }

        conditions.Add(condition);
        podStatus["conditions"] = conditions;
        podStatus["phase"] ??= "Pending";
        pod["status"] = podStatus;
    }
}
