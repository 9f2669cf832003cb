namespace Pitcrew.Sim.Controllers;

/// <summary>Keeps each ReplicaSet's number of live pods at spec.replicas and reports their readiness.</summary>
internal sealed class ReplicaSetController : IController
{
    private readonly Expectations _expectations = new();

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = cache.List(Resources.Pods).Where(p => Resources.ControllerUid(p) is not null).ToLookup(p => Resources.ControllerUid(p)!);
        var creations = new List<Task<(string Owner, string[] Names)>>();
        var writes = new List<Task>();
        foreach (var rs in cache.List(Resources.ReplicaSets))
        {
            var ns = Resources.Namespace(rs);
            var all = pods[Resources.Uid(rs)].ToList();
            var live = all.Where(Resources.Live).ToList();
            var want = Resources.Terminating(rs) ? 0 : Resources.Replicas(rs);
            if (_expectations.Waiting(Resources.Uid(rs), all.Select(Resources.Name), now))
            {
                continue;
            }

            if (live.Count < want)
            {
                var template = rs["spec"]?["template"] as JsonObject ?? [];
                creations.Add(CreateAsync(Resources.Uid(rs), [.. Enumerable.Range(0, want - live.Count)
                    .Select(_ => writer.CreateAsync(Resources.Pods, Resources.PodFromTemplate(template, rs, Resources.ReplicaSets), ns, now, cancellationToken))]));
            }

            // Scale down the least established first: unscheduled, then not ready, then the newest.
            var extras = live.OrderBy(p => p["spec"]?["nodeName"] is not null)
                .ThenBy(p => Resources.HasCondition(p, "Ready"))
                .ThenByDescending(p => (string?)ObjectMeta.Metadata(p)["creationTimestamp"], StringComparer.Ordinal)
                .Take(Math.Max(0, live.Count - want))
                .ToList();
            writes.AddRange(extras.Select(extra => writer.DeleteAsync(Resources.Pods, extra, 30, cancellationToken)));

            // The status counts what stays: a Deployment rolling on must not count pods being removed as available.
            live = [.. live.Except(extras)];
            var ready = live.Count(p => Resources.HasCondition(p, "Ready"));
            var status = new JsonObject
            {
                ["replicas"] = live.Count,
                ["fullyLabeledReplicas"] = live.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["observedGeneration"] = ObjectMeta.Metadata(rs)["generation"]?.DeepClone(),
            };
            writes.Add(writer.UpdateStatusAsync(Resources.ReplicaSets, rs, status, cancellationToken));
        }

        await _expectations.SettleAsync(writes, creations, now).ConfigureAwait(false);
    }

    private static async Task<(string Owner, string[] Names)> CreateAsync(string owner, Task<string?>[] creations) =>
        (owner, [.. (await Task.WhenAll(creations).ConfigureAwait(false)).OfType<string>()]);
}
