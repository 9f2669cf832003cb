using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>Runs one pod of each DaemonSet on every node whose taints it tolerates, with the tolerations the real controller adds.</summary>
internal sealed class DaemonSetController : IController
{
    private readonly Expectations _expectations = new();

    /// <summary>Node problems a daemon pod rides out (the real controller adds these tolerations to every daemon pod).</summary>
    private static readonly (string Key, string Effect)[] DefaultTolerations =
    [
        ("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"), ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"), ("node.kubernetes.io/unschedulable", "NoSchedule"),
    ];

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nodes = cache.List(Resources.Nodes);
        var pods = cache.List(Resources.Pods).Where(p => Resources.ControllerUid(p) is not null).ToLookup(p => Resources.ControllerUid(p)!);
        var creations = new List<Task<(string Owner, string[] Names)>>();
        var writes = new List<Task>();
        foreach (var ds in cache.List(Resources.DaemonSets).Where(d => !Resources.Terminating(d)))
        {
            var template = ds["spec"]?["template"] as JsonObject ?? [];
            var tolerations = ((template["spec"]?["tolerations"] as JsonArray)?.OfType<JsonObject>() ?? []).ToList();
            tolerations.AddRange(DefaultTolerations.Select(t => new JsonObject { ["key"] = t.Key, ["operator"] = "Exists", ["effect"] = t.Effect }));
            var eligible = nodes.Where(n => Tolerated(n, tolerations) && NodeSelected(template, n)).Select(Resources.Name).ToHashSet(StringComparer.Ordinal);
            var all = pods[Resources.Uid(ds)].ToList();
            var mine = all.Where(p => !Resources.Terminating(p)).ToList();
            var placed = mine.Select(p => (string?)p["spec"]?["nodeName"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
            if (_expectations.Waiting(Resources.Uid(ds), all.Select(Resources.Name), now))
            {
                continue;
            }

            var missing = eligible.Where(n => !placed.Contains(n)).Select(node =>
            {
                var pod = Resources.PodFromTemplate(template, ds, Resources.DaemonSets);
                pod["spec"]!["nodeName"] = node;
                pod["spec"]!["tolerations"] = new JsonArray([.. tolerations.Select(t => (JsonNode?)t.DeepClone())]);
                return writer.CreateAsync(Resources.Pods, pod, Resources.Namespace(ds), now, cancellationToken);
            }).ToArray();
            if (missing.Length > 0)
            {
                creations.Add(CreatedAsync(Resources.Uid(ds), missing));
            }

            writes.AddRange(mine.Where(p => !eligible.Contains((string?)p["spec"]?["nodeName"] ?? string.Empty))
                .Select(stray => writer.DeleteAsync(Resources.Pods, stray, 30, cancellationToken)));

            var ready = mine.Count(p => Resources.HasCondition(p, "Ready"));
            var status = new JsonObject
            {
                ["desiredNumberScheduled"] = eligible.Count,
                ["currentNumberScheduled"] = placed.Count(eligible.Contains),
                ["updatedNumberScheduled"] = placed.Count(eligible.Contains),
                ["numberReady"] = ready,
                ["numberAvailable"] = ready,
                ["numberMisscheduled"] = placed.Count(n => !eligible.Contains(n)),
                ["observedGeneration"] = ObjectMeta.Metadata(ds)["generation"]?.DeepClone(),
            };
            if (!JsonNode.DeepEquals(ds["status"], status))
            {
                var copy = ClusterCache.Copy(ds);
                copy["status"] = status;
                writes.Add(writer.UpdateAsync(Resources.DaemonSets, copy, cancellationToken));
            }
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        foreach (var (owner, names) in await Task.WhenAll(creations).ConfigureAwait(false))
        {
            _expectations.Expect(owner, names, now);
        }
    }

    private static async Task<(string Owner, string[] Names)> CreatedAsync(string owner, Task<string?>[] creations) =>
        (owner, [.. (await Task.WhenAll(creations).ConfigureAwait(false)).OfType<string>()]);

    private static bool Tolerated(JsonObject node, List<JsonObject> tolerations) =>
        ((node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .Where(t => (string?)t["effect"] is "NoSchedule" or "NoExecute")
            .All(t => tolerations.Any(tol => Scheduler.Tolerates(tol, t)));

    private static bool NodeSelected(JsonObject template, JsonObject node)
    {
        var labels = ObjectMeta.Metadata(node)["labels"] as JsonObject;
        return template["spec"]?["nodeSelector"] is not JsonObject selector || selector.All(p => (string?)labels?[p.Key] == (string?)p.Value);
    }
}
