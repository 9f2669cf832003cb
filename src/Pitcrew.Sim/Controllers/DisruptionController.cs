namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Keeps each PodDisruptionBudget's status true to its pods, as kube-controller-manager's disruption controller does:
/// expected and desired healthy counts, current healthy, disruptions allowed, recent disruptions, observed generation.
/// </summary>
/// <remarks>
/// The expected count is the scale of the pods' controllers, as kube's getExpectedScale finds it: a ReplicaSet's
/// Deployment (or the ReplicaSet itself), a StatefulSet; a pod without a known controller counts as one.
/// </remarks>
internal sealed class DisruptionController(BudgetMetrics? metrics = null) : IController
{
    /// <summary>An eviction not followed by the pod's deletion within this time stops counting as a disruption.</summary>
    private static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    public bool TimeDriven => true;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var budgets = cache.List(Resources.Budgets);
        if (budgets.Count == 0)
        {
            return;
        }

        var candidates = new PodIndex(cache.List(Resources.Pods), budgets);
        var scales = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (resource, kind) in new[] { (Resources.Deployments, "Deployment"), (Resources.StatefulSets, "StatefulSet"), (Resources.ReplicaSets, "ReplicaSet") })
        {
            foreach (var item in cache.List(resource))
            {
                scales[$"{kind}/{Resources.Namespace(item)}/{Resources.Name(item)}"] = (int?)item["spec"]?["replicas"] ?? 1;
            }
        }

        var replicaSetOwners = cache.List(Resources.ReplicaSets)
            .Select(rs => (Key: $"ReplicaSet/{Resources.Namespace(rs)}/{Resources.Name(rs)}", Owner: Controller(rs)))
            .Where(p => p.Owner is not null)
            .ToDictionary(p => p.Key, p => p.Owner!, StringComparer.Ordinal);
        var writes = new List<Task>();
        foreach (var pdb in budgets)
        {
            var selector = pdb["spec"]?["selector"] as JsonObject;
            var pods = candidates.For(Resources.Namespace(pdb) ?? string.Empty, selector)
                .Where(p => LabelSelector.Matches(selector, ObjectMeta.Metadata(p)["labels"] as JsonObject))
                .ToDictionary(Resources.Name, StringComparer.Ordinal);
            var status = Compute(pdb, pods, now, ExpectedScale(pods.Values, scales, replicaSetOwners));
            metrics?.Observe(Resources.Namespace(pdb) ?? string.Empty, Resources.Name(pdb), pdb["status"] as JsonObject, status);
            if (pdb["status"] is JsonObject old && Same(old, status))
            {
                continue;
            }

            var copy = ClusterCache.Copy(pdb);
            copy["status"] = status;
            writes.Add(writer.UpdateAsync(Resources.Budgets, copy, cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>The summed scale of the pods' controllers (a ReplicaSet counts through its Deployment); a pod without one counts as one.</summary>
    internal static int ExpectedScale(IEnumerable<JsonObject> pods, IReadOnlyDictionary<string, int> scales, IReadOnlyDictionary<string, string> replicaSetOwners)
    {
        var controllers = new HashSet<string>(StringComparer.Ordinal);
        var loose = 0;
        foreach (var pod in pods)
        {
            var owner = Controller(pod);
            if (owner is not null && owner.StartsWith("ReplicaSet/", StringComparison.Ordinal) && replicaSetOwners.TryGetValue(owner, out var deployment))
            {
                owner = deployment;
            }

            if (owner is not null && scales.ContainsKey(owner))
            {
                controllers.Add(owner);
            }
            else
            {
                loose++;
            }
        }

        return controllers.Sum(c => scales[c]) + loose;
    }

    /// <summary>"Kind/namespace/name" of the object's controller, or null.</summary>
    private static string? Controller(JsonObject obj)
    {
        var owner = (ObjectMeta.Metadata(obj)["ownerReferences"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(o => (bool?)o["controller"] == true);
        return owner is null ? null : $"{(string?)owner["kind"]}/{Resources.Namespace(obj)}/{(string?)owner["name"]}";
    }

    internal static JsonObject Compute(JsonObject pdb, IReadOnlyDictionary<string, JsonObject> pods, DateTimeOffset now, int? expectedScale = null)
    {
        var spec = pdb["spec"] as JsonObject ?? [];
        var expected = expectedScale ?? pods.Count;
        int desired;
        if (spec["maxUnavailable"] is { } maxUnavailable)
        {
            desired = Math.Max(0, expected - Scaled(maxUnavailable, expected));
        }
        else
        {
            desired = spec["minAvailable"] is { } minAvailable ? Scaled(minAvailable, expected) : 0;
        }

        var disrupted = new JsonObject();
        foreach (var (name, at) in (pdb["status"]?["disruptedPods"] as JsonObject) ?? [])
        {
            if (pods.TryGetValue(name, out var pod) && !Resources.Terminating(pod) && Resources.Time(at) is { } when && when + DeletionTimeout > now)
            {
                disrupted[name] = at?.DeepClone();
            }
        }

        var healthy = pods.Values.Count(p => !Resources.Terminating(p) && !disrupted.ContainsKey(Resources.Name(p)) && Resources.HasCondition(p, "Ready"));
        var allowed = expected <= 0 ? 0 : Math.Max(0, healthy - desired);
        var previous = (pdb["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "DisruptionAllowed");
        var conditionStatus = allowed > 0 ? "True" : "False";
        var condition = new JsonObject
        {
            ["type"] = "DisruptionAllowed",
            ["status"] = conditionStatus,
            ["reason"] = allowed > 0 ? "SufficientPods" : "InsufficientPods",
            ["message"] = string.Empty,
            ["observedGeneration"] = ObjectMeta.Metadata(pdb)["generation"]?.DeepClone(),
            ["lastTransitionTime"] = (string?)previous?["status"] == conditionStatus && previous?["lastTransitionTime"] is { } kept
                ? kept.DeepClone()
                : ObjectMeta.Timestamp(now),
        };
        return new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Metadata(pdb)["generation"]?.DeepClone() ?? 1,
            ["disruptedPods"] = disrupted,
            ["disruptionsAllowed"] = allowed,
            ["currentHealthy"] = healthy,
            ["desiredHealthy"] = desired,
            ["expectedPods"] = expected,
            ["conditions"] = new JsonArray(condition),
        };
    }

    /// <summary>An IntOrString against a total: an integer as is, a percentage rounded up.</summary>
    private static int Scaled(JsonNode value, int total)
    {
        if (value is JsonValue v && v.TryGetValue<int>(out var number))
        {
            return number;
        }

        var text = (string?)value ?? "0";
        return text.EndsWith('%') && int.TryParse(text[..^1], CultureInfo.InvariantCulture, out var percent)
            ? (int)Math.Ceiling(percent * total / 100.0)
            : int.TryParse(text, CultureInfo.InvariantCulture, out var plain) ? plain : 0;
    }

    private static bool Same(JsonObject old, JsonObject computed) => JsonNode.DeepEquals(old, computed);

    /// <summary>
    /// The pods a budget's selector can match, narrowed by namespace and, when the selector has matchLabels, by its first
    /// pair: 500 budgets over 150,000 pods were 3.75 million selector checks a round, most of the sim's idle CPU.
    /// </summary>
    private sealed class PodIndex
    {
        private readonly ILookup<string, JsonObject> _byNamespace;
        private readonly Dictionary<(string Namespace, string Key, string Value), List<JsonObject>> _byLabel = [];

        public PodIndex(IReadOnlyCollection<JsonObject> pods, IEnumerable<JsonObject> budgets)
        {
            _byNamespace = pods.ToLookup(p => Resources.Namespace(p) ?? string.Empty, StringComparer.Ordinal);
            var keys = budgets.Select(b => FirstMatchLabel(b["spec"]?["selector"] as JsonObject)?.Key).OfType<string>().ToHashSet(StringComparer.Ordinal);
            if (keys.Count == 0)
            {
                return;
            }

            foreach (var pod in pods)
            {
                if (ObjectMeta.Metadata(pod)["labels"] is not JsonObject labels)
                {
                    continue;
                }

                foreach (var key in keys)
                {
                    if (labels[key] is JsonValue value && value.TryGetValue<string>(out var text))
                    {
                        var slot = (Resources.Namespace(pod) ?? string.Empty, key, text);
                        if (!_byLabel.TryGetValue(slot, out var list))
                        {
                            _byLabel[slot] = list = [];
                        }

                        list.Add(pod);
                    }
                }
            }
        }

        public IEnumerable<JsonObject> For(string ns, JsonObject? selector) => FirstMatchLabel(selector) is { } pair
            ? _byLabel.GetValueOrDefault((ns, pair.Key, pair.Value)) ?? []
            : _byNamespace[ns];

        private static (string Key, string Value)? FirstMatchLabel(JsonObject? selector) =>
            selector?["matchLabels"] is JsonObject labels && labels.FirstOrDefault() is { Value: JsonValue value } first && value.TryGetValue<string>(out var text)
                ? (first.Key, text)
                : null;
    }
}
