using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>Deletes dependents whose owners are all gone (background propagation by ownerReferences).</summary>
internal sealed class GarbageCollector : IController
{
    private static readonly ApiResource[] Dependents = [Resources.Pods, Resources.ReplicaSets];

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var alive = cache.AllUids();
        foreach (var resource in Dependents)
        {
            foreach (var obj in cache.List(resource).Where(o => !Resources.Terminating(o)))
            {
                var owners = (ObjectMeta.Metadata(obj)["ownerReferences"] as JsonArray)?.OfType<JsonObject>().ToList();
                if (owners is { Count: > 0 } && owners.All(o => !alive.Contains((string?)o["uid"] ?? string.Empty)))
                {
                    await writer.DeleteAsync(resource, obj, 30, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
