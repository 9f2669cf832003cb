namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Runs one pod of each DaemonSet on every node whose taints it tolerates, with the tolerations the real controller adds.
/// A changed template rolls out as the real controller's RollingUpdate does (the default; OnDelete waits for pods to be
/// deleted by hand): old pods are deleted node by node while no more than maxUnavailable (default 1; a percentage of the
/// nodes rounds up) nodes lack an available pod, unavailable old pods first, and each node gets a pod of the new template.
/// </summary>
internal sealed class DaemonSetController : IController
{
    /// <summary>The label naming the template revision a daemon pod was made from.</summary>
    public const string RevisionLabel = "controller-revision-hash";

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
            var revision = DeploymentController.TemplateHash(template);
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
                var pod = Resources.PodFromTemplate(template, ds, Resources.DaemonSets, new JsonObject { [RevisionLabel] = revision });
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

            var onEligible = mine.Where(p => eligible.Contains((string?)p["spec"]?["nodeName"] ?? string.Empty)).ToList();
            writes.AddRange(RollOut(ds, onEligible, eligible.Count, template, revision)
                .Select(old => writer.DeleteAsync(Resources.Pods, old, (long?)old["spec"]?["terminationGracePeriodSeconds"] ?? 30, cancellationToken)));

            var ready = mine.Count(p => Resources.HasCondition(p, "Ready"));
            var status = new JsonObject
            {
                ["desiredNumberScheduled"] = eligible.Count,
                ["currentNumberScheduled"] = placed.Count(eligible.Contains),
                ["updatedNumberScheduled"] = onEligible.Count(p => Current(p, template, revision)),
                ["numberReady"] = ready,
                ["numberAvailable"] = ready,
                ["numberMisscheduled"] = placed.Count(n => !eligible.Contains(n)),
                ["observedGeneration"] = ObjectMeta.Metadata(ds)["generation"]?.DeepClone(),
            };
            writes.Add(writer.UpdateStatusAsync(Resources.DaemonSets, ds, status, cancellationToken));
        }

        await _expectations.SettleAsync(writes, creations, now).ConfigureAwait(false);
    }

    /// <summary>
    /// The old pods to delete this round: with RollingUpdate, every unavailable one, then available ones while the nodes
    /// without an available pod stay within maxUnavailable. Nodes whose pod is missing or terminating count as unavailable.
    /// </summary>
    internal static IReadOnlyList<JsonObject> RollOut(JsonObject ds, IReadOnlyList<JsonObject> pods, int desired, JsonObject template, string revision)
    {
        var strategy = ds["spec"]?["updateStrategy"];
        if ((string?)strategy?["type"] == "OnDelete")
        {
            return [];
        }

        var old = pods.Where(p => !Current(p, template, revision)).OrderBy(Resources.Name, StringComparer.Ordinal).ToList();
        if (old.Count == 0)
        {
            return [];
        }

        var limit = strategy?["rollingUpdate"]?["maxUnavailable"] is { } max ? Math.Max(1, DeploymentController.Scaled(max, desired, roundUp: true)) : 1;
        var available = pods.Count(p => Resources.HasCondition(p, "Ready"));
        var unavailableOld = old.Where(p => !Resources.HasCondition(p, "Ready")).ToList();
        var budget = limit - (desired - available);
        return [.. unavailableOld, .. old.Where(p => Resources.HasCondition(p, "Ready")).Take(Math.Max(0, budget))];
    }

    /// <summary>Whether a daemon pod was made from the template; a pod from before revision labels counts by its images.</summary>
    private static bool Current(JsonObject pod, JsonObject template, string revision) =>
        ObjectMeta.Metadata(pod)["labels"]?[RevisionLabel] is { } label
            ? (string?)label == revision
            : Images(pod["spec"]) == Images(template["spec"]);

    private static string Images(JsonNode? spec) =>
        string.Join(',', ((spec?["containers"] as JsonArray)?.OfType<JsonObject>() ?? []).Select(c => (string?)c["image"]));

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
