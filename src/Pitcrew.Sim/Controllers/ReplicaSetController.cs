using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>Keeps each ReplicaSet's number of live pods at spec.replicas and reports their readiness.</summary>
internal sealed class ReplicaSetController : IController
{
    private readonly Expectations _expectations = new();

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = cache.List(Resources.Pods).Where(p => Resources.ControllerUid(p) is not null).ToLookup(p => Resources.ControllerUid(p)!);
        foreach (var rs in cache.List(Resources.ReplicaSets))
        {
            var ns = Resources.Namespace(rs);
            var all = pods[Resources.Uid(rs)].ToList();
            var live = all.Where(p => !Resources.Terminating(p)).ToList();
            var want = Resources.Terminating(rs) ? 0 : Resources.Replicas(rs);
            if (_expectations.Waiting(Resources.Uid(rs), all.Select(Resources.Name), now))
            {
                continue;
            }

            var created = new List<string>();
            for (var i = live.Count; i < want; i++)
            {
                var template = rs["spec"]?["template"] as JsonObject ?? [];
                if (await writer.CreateAsync(Resources.Pods, Resources.PodFromTemplate(template, rs, Resources.ReplicaSets), ns, now, cancellationToken)
                        .ConfigureAwait(false) is { } name)
                {
                    created.Add(name);
                }
            }

            _expectations.Expect(Resources.Uid(rs), created, now);

            // Scale down the least established first: unscheduled, then not ready, then the newest.
            foreach (var extra in live.OrderBy(p => p["spec"]?["nodeName"] is not null)
                         .ThenBy(p => Resources.HasCondition(p, "Ready"))
                         .ThenByDescending(p => (string?)ObjectMeta.Metadata(p)["creationTimestamp"], StringComparer.Ordinal)
                         .Take(Math.Max(0, live.Count - want)))
            {
                await writer.DeleteAsync(Resources.Pods, extra, 30, cancellationToken).ConfigureAwait(false);
            }

            var ready = live.Count(p => Resources.HasCondition(p, "Ready"));
            var status = new JsonObject
            {
                ["replicas"] = live.Count,
                ["fullyLabeledReplicas"] = live.Count,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["observedGeneration"] = ObjectMeta.Metadata(rs)["generation"]?.DeepClone(),
            };
            if (!JsonNode.DeepEquals(rs["status"], status))
            {
                rs["status"] = status;
                await writer.UpdateAsync(Resources.ReplicaSets, rs, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
