namespace Pitcrew.Sim.Controllers;

/// <summary>Deletes dependents whose owners are all gone (background propagation by ownerReferences).</summary>
internal sealed class GarbageCollector : IController
{
    private static readonly ApiResource[] Dependents = [Resources.Pods, Resources.ReplicaSets];

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var orphans = new List<Task>();
        foreach (var resource in Dependents)
        {
            foreach (var obj in cache.List(resource).Where(o => !Resources.Terminating(o)))
            {
                var owners = (ObjectMeta.Metadata(obj)["ownerReferences"] as JsonArray)?.OfType<JsonObject>().ToList();
                if (owners is { Count: > 0 } && owners.All(o => !cache.Exists((string?)o["uid"] ?? string.Empty)))
                {
                    orphans.Add(writer.DeleteAsync(resource, obj, 30, cancellationToken));
                }
            }
        }

        await Task.WhenAll(orphans).ConfigureAwait(false);
    }
}
