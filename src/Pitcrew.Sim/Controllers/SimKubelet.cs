using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// The kubelets of every node: start pods bound to them (Pending, then Running and Ready after a delay) and finish
/// graceful deletions (containers stopped, then DELETE with grace 0), as kwok does.
/// </summary>
internal sealed class SimKubelet(TimeSpan startDelay, TimeSpan stopDelay) : IController
{
    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nodes = cache.List(Resources.Nodes).ToDictionary(Resources.Name, StringComparer.Ordinal);
        foreach (var pod in cache.List(Resources.Pods))
        {
            var nodeName = (string?)pod["spec"]?["nodeName"];
            if (nodeName is null || !nodes.TryGetValue(nodeName, out var node))
            {
                continue;
            }

            var metadata = ObjectMeta.Metadata(pod);
            if (Resources.Terminating(pod))
            {
                var grace = TimeSpan.FromSeconds((long?)metadata["deletionGracePeriodSeconds"] ?? 0);
                var due = Resources.Time(metadata["deletionTimestamp"]) - grace + (grace < stopDelay ? grace : stopDelay);
                if (due is { } at && now >= at)
                {
                    await writer.DeleteAsync(Resources.Pods, pod, 0, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            var phase = (string?)pod["status"]?["phase"];
            var created = Resources.Time(metadata["creationTimestamp"]) ?? now;
            if (phase is null or "Pending" && now - created >= startDelay)
            {
                Start(pod, node, now);
                await writer.UpdateAsync(Resources.Pods, pod, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Start(JsonObject pod, JsonObject node, DateTimeOffset now)
    {
        var stamp = ObjectMeta.Timestamp(now);
        var containers = (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [];
        var statuses = new JsonArray();
        foreach (var container in containers)
        {
            statuses.Add(new JsonObject
            {
                ["name"] = container["name"]?.DeepClone(),
                ["image"] = container["image"]?.DeepClone(),
                ["imageID"] = $"{(string?)container["image"]}@sha256:{new string('0', 64)}",
                ["ready"] = true,
                ["started"] = true,
                ["restartCount"] = 0,
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = stamp } },
            });
        }

        JsonObject Condition(string type) => new() { ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = stamp };
        var hostIp = (node["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(a => (string?)a["type"] == "InternalIP")?["address"]?.DeepClone();
        var podIp = PodIp(node, pod);
        pod["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(Condition("PodReadyToStartContainers"), Condition("Initialized"), Condition("Ready"), Condition("ContainersReady"), Condition("PodScheduled")),
            ["hostIP"] = hostIp,
            ["podIP"] = podIp,
            ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
            ["startTime"] = stamp,
            ["containerStatuses"] = statuses,
            ["qosClass"] = "BestEffort",
        };
    }

    /// <summary>An address in the node's pod CIDR, stable for the pod's uid.</summary>
    private static string PodIp(JsonObject node, JsonObject pod)
    {
        var cidr = (string?)node["spec"]?["podCIDR"] ?? "10.244.0.0/24";
        var prefix = cidr[..cidr.LastIndexOf('.')];
        var host = 2 + (int)((uint)StringComparer.Ordinal.GetHashCode((string?)ObjectMeta.Metadata(pod)["uid"] ?? string.Empty) % 250);
        return $"{prefix}.{host}";
    }
}
