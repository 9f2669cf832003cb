namespace Pitcrew.Sim.Controllers;

/// <summary>Why the StatefulSet controller deletes one of its pods.</summary>
internal enum StatefulSetDeletion
{
    /// <summary>Its ordinal is at or above spec.replicas.</summary>
    ScaleDown,

    /// <summary>It succeeded; a StatefulSet's pods are meant to run, so it is replaced under the same name.</summary>
    Terminated,

    /// <summary>It failed; replaced under the same name.</summary>
    Failed,

    /// <summary>It runs an old template; RollingUpdate replaces it.</summary>
    Update,
}

/// <summary>The next step for one StatefulSet: ordinals to create, pods to delete and why, and the status to report.</summary>
internal sealed record StatefulSetPlan(IReadOnlyList<int> Create, IReadOnlyList<(JsonObject Pod, StatefulSetDeletion Why)> Delete, JsonObject Status, string UpdateRevision);

/// <summary>
/// Decides a StatefulSet's next step from the set and its pods, as the real controller does: ordinals 0..replicas-1 named
/// &lt;set&gt;-&lt;ordinal&gt;; OrderedReady (the default) creates one ordinal at a time once all below it are Running and Ready,
/// and removes the highest ordinal first, waiting for it to be gone; Parallel creates and removes all at once. RollingUpdate
/// replaces pods of an old template from the highest ordinal down to the partition, one at a time, each once all are healthy.
/// </summary>
internal static class StatefulSetPlanner
{
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string RevisionLabel = "controller-revision-hash";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    public static StatefulSetPlan Plan(JsonObject set, IReadOnlyList<JsonObject> pods)
    {
        var name = Resources.Name(set);
        var replicas = Resources.Replicas(set);
        var parallel = (string?)set["spec"]?["podManagementPolicy"] == "Parallel";
        var updateRevision = $"{name}-{DeploymentController.TemplateHash(set["spec"]?["template"] as JsonObject ?? [])}";
        var byOrdinal = new SortedDictionary<int, JsonObject>();
        foreach (var pod in pods)
        {
            if (Ordinal(name, Resources.Name(pod)) is { } ordinal)
            {
                byOrdinal[ordinal] = pod;
            }
        }

        var create = new List<int>();
        var delete = new List<(JsonObject, StatefulSetDeletion)>();
        var blocked = false;
        for (var i = 0; i < replicas && !blocked; i++)
        {
            if (!byOrdinal.TryGetValue(i, out var pod))
            {
                create.Add(i);
                blocked = !parallel;
            }
            else if (Resources.Terminating(pod))
            {
                blocked = !parallel;
            }
            else if ((string?)pod["status"]?["phase"] is "Succeeded" or "Failed")
            {
                delete.Add((pod, (string?)pod["status"]?["phase"] == "Failed" ? StatefulSetDeletion.Failed : StatefulSetDeletion.Terminated));
                blocked = !parallel;
            }
            else if (!Resources.RunningAndReady(pod))
            {
                blocked = !parallel;
            }
        }

        var condemned = byOrdinal.Where(p => p.Key >= replicas).OrderByDescending(p => p.Key).Select(p => p.Value).ToList();
        if (!blocked)
        {
            if (parallel)
            {
                delete.AddRange(condemned.Where(p => !Resources.Terminating(p)).Select(p => (p, StatefulSetDeletion.ScaleDown)));
            }
            else if (condemned.FirstOrDefault() is { } highest && !Resources.Terminating(highest))
            {
                delete.Add((highest, StatefulSetDeletion.ScaleDown));
            }
        }

        if (create.Count == 0 && delete.Count == 0 && condemned.Count == 0 && byOrdinal.Count >= replicas
            && (string?)set["spec"]?["updateStrategy"]?["type"] != "OnDelete")
        {
            var partition = (int?)set["spec"]?["updateStrategy"]?["rollingUpdate"]?["partition"] ?? 0;
            for (var i = replicas - 1; i >= partition; i--)
            {
                var pod = byOrdinal[i];
                if (Revision(pod) != updateRevision && !Resources.Terminating(pod))
                {
                    delete.Add((pod, StatefulSetDeletion.Update));
                    break;
                }

                if (!Resources.RunningAndReady(pod))
                {
                    break;
                }
            }
        }

        return new StatefulSetPlan(create, delete, Status(set, byOrdinal.Values, updateRevision), updateRevision);
    }

    /// <summary>The ordinal in a pod name &lt;set&gt;-&lt;n&gt;, or null for a name of another shape.</summary>
    public static int? Ordinal(string setName, string podName) =>
        podName.Length > setName.Length + 1 && podName.StartsWith(setName + "-", StringComparison.Ordinal)
        && int.TryParse(podName.AsSpan(setName.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var ordinal)
            ? ordinal
            : null;

    private static string? Revision(JsonObject pod) => (string?)ObjectMeta.Metadata(pod)["labels"]?[RevisionLabel];

    private static JsonObject Status(JsonObject set, IEnumerable<JsonObject> pods, string updateRevision)
    {
        var live = pods.Where(p => !Resources.Terminating(p)).ToList();
        var ready = live.Count(Resources.RunningAndReady);
        var updated = live.Count(p => Revision(p) == updateRevision);
        var currentRevision = (string?)set["status"]?["currentRevision"] ?? updateRevision;
        if (updated == live.Count && ready == live.Count && live.Count == Resources.Replicas(set))
        {
            currentRevision = updateRevision;
        }

        return new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Metadata(set)["generation"]?.DeepClone(),
            ["replicas"] = live.Count,
            ["readyReplicas"] = ready,
            ["currentReplicas"] = live.Count(p => Revision(p) == currentRevision),
            ["updatedReplicas"] = updated,
            ["availableReplicas"] = ready,
            ["currentRevision"] = currentRevision,
            ["updateRevision"] = updateRevision,
            ["collisionCount"] = 0,
        };
    }
}
