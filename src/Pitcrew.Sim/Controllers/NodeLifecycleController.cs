namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Marks nodes whose kubelet stopped renewing its Lease: conditions Unknown ("Kubelet stopped posting node status.")
/// and the unreachable taints; a NotReady node gets the not-ready taints; a node back to Ready loses them.
/// </summary>
internal sealed class NodeLifecycleController(TimeSpan gracePeriod, EventRecorder events) : IController
{
    private static readonly ApiResource Leases = ResourceCatalog.Find("coordination.k8s.io", "v1", "leases")!;
    private static readonly string[] Conditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];
    private static readonly string[] Effects = ["NoSchedule", "NoExecute"];
    private const string Unreachable = "node.kubernetes.io/unreachable";
    private const string NotReady = "node.kubernetes.io/not-ready";

    public bool TimeDriven => true;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var leases = cache.List(Leases, "kube-node-lease").ToDictionary(Resources.Name, StringComparer.Ordinal);
        var writes = new List<Task>();
        foreach (var node in cache.List(Resources.Nodes))
        {
            var renewed = Resources.Time(leases.GetValueOrDefault(Resources.Name(node))?["spec"]?["renewTime"])
                ?? Resources.Time(ObjectMeta.Metadata(node)["creationTimestamp"])
                ?? now;
            var stale = now - renewed > gracePeriod;
            if (!NeedsWork(node, stale))
            {
                continue;
            }

            var copy = ClusterCache.Copy(node);
            var lost = false;
            if (stale)
            {
                foreach (var condition in Conditions)
                {
                    lost |= NodeConditions.Set(copy, condition, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", now);
                }
            }

            var ready = ReadyStatus(copy);
            foreach (var effect in Effects)
            {
                NodeConditions.SetTaint(copy, Unreachable, effect, ready == "Unknown", now);
                NodeConditions.SetTaint(copy, NotReady, effect, ready == "False", now);
            }

            writes.Add(UpdateAsync(writer, copy, lost, now, cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>Whether the node's conditions or taints disagree with what its lease says (checked without copying it).</summary>
    private static bool NeedsWork(JsonObject node, bool stale)
    {
        var conditions = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (stale && Conditions.Any(type => !conditions.Any(c => (string?)c["type"] == type && (string?)c["status"] == "Unknown" && (string?)c["reason"] == "NodeStatusUnknown")))
        {
            return true;
        }

        var ready = ReadyStatus(node);
        var taints = (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        bool Has(string key, string effect) => taints.Any(t => (string?)t["key"] == key && (string?)t["effect"] == effect);
        return Effects.Any(effect => Has(Unreachable, effect) != (ready == "Unknown") || Has(NotReady, effect) != (ready == "False"));
    }

    private static string? ReadyStatus(JsonObject node) =>
        (string?)(node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Ready")?["status"];

    private async Task UpdateAsync(ObjectWriter writer, JsonObject node, bool lost, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.UpdateAsync(Resources.Nodes, node, ct).ConfigureAwait(false) && lost)
        {
            await events.RecordAsync(node, Resources.Nodes, "Normal", "NodeNotReady", $"Node {Resources.Name(node)} status is now: NodeNotReady",
                "node-controller", null, now, ct).ConfigureAwait(false);
        }
    }
}
