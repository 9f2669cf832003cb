using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

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

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var leases = cache.List(Leases, "kube-node-lease").ToDictionary(Resources.Name, StringComparer.Ordinal);
        foreach (var node in cache.List(Resources.Nodes))
        {
            var renewed = Resources.Time(leases.GetValueOrDefault(Resources.Name(node))?["spec"]?["renewTime"])
                ?? Resources.Time(ObjectMeta.Metadata(node)["creationTimestamp"])
                ?? now;
            var changed = false;
            var lost = false;
            if (now - renewed > gracePeriod)
            {
                foreach (var condition in Conditions)
                {
                    lost |= NodeConditions.Set(node, condition, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", now);
                }

                changed = lost;
            }

            var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(c => (string?)c["type"] == "Ready")?["status"]?.GetValue<string>();
            foreach (var effect in Effects)
            {
                changed |= NodeConditions.SetTaint(node, "node.kubernetes.io/unreachable", effect, ready == "Unknown", now);
                changed |= NodeConditions.SetTaint(node, "node.kubernetes.io/not-ready", effect, ready == "False", now);
            }

            if (changed && await writer.UpdateAsync(Resources.Nodes, node, cancellationToken).ConfigureAwait(false) && lost)
            {
                await events.RecordAsync(node, Resources.Nodes, "Normal", "NodeNotReady", $"Node {Resources.Name(node)} status is now: NodeNotReady",
                    "node-controller", null, now, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
