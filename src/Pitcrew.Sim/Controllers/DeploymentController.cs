using System.Text;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Gives each Deployment a ReplicaSet per pod template (named with the template's hash, as the real controller does)
/// and rolls from the old ones to the new one: RollingUpdate never goes above replicas + maxSurge pods nor below
/// replicas - maxUnavailable available ones (defaults 25% each, surge rounded up, unavailable down); Recreate scales the
/// old ones to zero before the new one comes up. Revisions, ScalingReplicaSet events and the rollout status kubectl
/// rollout status reads.
/// </summary>
internal sealed class DeploymentController(EventRecorder events) : IController
{
    public const string HashLabel = "pod-template-hash";
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sets = cache.List(Resources.ReplicaSets).Where(r => Resources.ControllerUid(r) is not null).ToLookup(r => Resources.ControllerUid(r)!);
        var running = cache.List(Resources.Pods).Where(p => (string?)p["status"]?["phase"] is not ("Succeeded" or "Failed"))
            .Select(Resources.ControllerUid).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var writes = new List<Task>();
        foreach (var deployment in cache.List(Resources.Deployments).Where(d => !Resources.Terminating(d)))
        {
            var ns = Resources.Namespace(deployment);
            var template = deployment["spec"]?["template"] as JsonObject ?? [];
            var hash = TemplateHash(template);
            var owned = sets[Resources.Uid(deployment)].ToList();
            var current = owned.FirstOrDefault(r => (string?)ObjectMeta.Metadata(r)["labels"]?[HashLabel] == hash);
            var old = owned.Where(r => !ReferenceEquals(r, current)).OrderBy(Revision).ToList();
            var desired = Resources.Replicas(deployment);
            var recreate = (string?)deployment["spec"]?["strategy"]?["type"] == "Recreate";
            var (surge, unavailable) = recreate ? (0, desired) : RollingLimits(deployment, desired);

            // Recreate waits until no pod of an old set runs any more, terminating ones included.
            var oldGone = old.All(r => Resources.Replicas(r) == 0 && !running.Contains(Resources.Uid(r)));
            if (current is null)
            {
                var oldPods = old.Sum(Resources.Replicas);
                var start = recreate ? (oldGone ? desired : 0)
                    : oldPods == 0 ? desired : Math.Clamp(desired + surge - oldPods, 0, desired);
                var revision = old.Select(Revision).DefaultIfEmpty(0).Max() + 1;
                var created = NewReplicaSet(deployment, template, hash, start, revision);
                writes.Add(CreateAsync(writer, created, ClusterCache.Copy(deployment), start, now, cancellationToken));
                continue;
            }

            // Scale the new set up within the surge, and the old ones down while enough pods stay available.
            var scales = owned.ToDictionary(r => r, Resources.Replicas);
            var total = scales.Values.Sum();
            if (scales[current] > desired)
            {
                scales[current] = desired;
            }
            else if (scales[current] < desired)
            {
                var up = recreate
                    ? (oldGone ? desired - scales[current] : 0)
                    : Math.Min(desired + surge - total, desired - scales[current]);
                scales[current] += Math.Max(0, up);
            }

            var available = owned.Sum(Available);
            var canScaleDown = recreate ? int.MaxValue : available - (desired - unavailable);
            foreach (var set in old)
            {
                // Pods of an old set that are not available cost no availability to remove.
                var unhealthy = Math.Max(0, scales[set] - Available(set));
                var down = Math.Min(scales[set], unhealthy + Math.Max(0, canScaleDown));
                canScaleDown -= Math.Max(0, down - unhealthy);
                scales[set] -= down;
            }

            foreach (var (set, replicas) in scales.Where(p => Resources.Replicas(p.Key) != p.Value))
            {
                writes.Add(ScaleAsync(writer, set, deployment, replicas, now, cancellationToken));
            }

            var status = Status(deployment, owned, current, desired);
            if (!JsonNode.DeepEquals(deployment["status"], status) || (string?)ObjectMeta.Metadata(deployment)["annotations"]?[RevisionAnnotation] != Revision(current).ToString(CultureInfo.InvariantCulture))
            {
                var copy = ClusterCache.Copy(deployment);
                copy["status"] = status;
                var metadata = ObjectMeta.Metadata(copy);
                var annotations = metadata["annotations"] as JsonObject ?? [];
                annotations[RevisionAnnotation] = Revision(current).ToString(CultureInfo.InvariantCulture);
                metadata["annotations"] = annotations;
                writes.Add(writer.UpdateAsync(Resources.Deployments, copy, cancellationToken));
            }
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    private static JsonObject Status(JsonObject deployment, List<JsonObject> owned, JsonObject current, int desired)
    {
        int Sum(string field) => owned.Sum(r => (int?)r["status"]?[field] ?? 0);
        var available = Sum("availableReplicas");
        var updated = (int?)current["status"]?["replicas"] ?? 0;
        var replicas = Sum("replicas");
        var complete = updated == desired && replicas == desired && ((int?)current["status"]?["availableReplicas"] ?? 0) == desired;
        var (_, unavailable) = (string?)deployment["spec"]?["strategy"]?["type"] == "Recreate" ? (0, desired) : RollingLimits(deployment, desired);
        var minimum = available >= desired - unavailable;
        return new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Metadata(deployment)["generation"]?.DeepClone(),
            ["replicas"] = replicas,
            ["updatedReplicas"] = updated,
            ["readyReplicas"] = Sum("readyReplicas"),
            ["availableReplicas"] = available,
            ["unavailableReplicas"] = Math.Max(0, replicas - available),
            ["conditions"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Available",
                    ["status"] = minimum ? "True" : "False",
                    ["reason"] = minimum ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    ["message"] = minimum ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                },
                new JsonObject
                {
                    ["type"] = "Progressing",
                    ["status"] = "True",
                    ["reason"] = complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                    ["message"] = complete
                        ? $"ReplicaSet \"{Resources.Name(current)}\" has successfully progressed."
                        : $"ReplicaSet \"{Resources.Name(current)}\" is progressing.",
                }),
        };
    }

    /// <summary>maxSurge and maxUnavailable as pod counts: surge rounds up, unavailable down; both zero means one unavailable.</summary>
    internal static (int Surge, int Unavailable) RollingLimits(JsonObject deployment, int desired)
    {
        var rolling = deployment["spec"]?["strategy"]?["rollingUpdate"];
        var surge = Scaled(rolling?["maxSurge"], desired, roundUp: true);
        var unavailable = Scaled(rolling?["maxUnavailable"], desired, roundUp: false);
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable);
    }

    internal static int Scaled(JsonNode? value, int total, bool roundUp)
    {
        var text = value is null ? "25%" : value.GetValueKind() == System.Text.Json.JsonValueKind.Number ? null : (string?)value;
        if (text is null)
        {
            return (int)value!;
        }

        if (!text.EndsWith('%') || !int.TryParse(text[..^1], CultureInfo.InvariantCulture, out var percent))
        {
            return int.TryParse(text, CultureInfo.InvariantCulture, out var count) ? count : 0;
        }

        var exact = percent * total / 100.0;
        return roundUp ? (int)Math.Ceiling(exact) : (int)Math.Floor(exact);
    }

    /// <summary>
    /// A set's available pods, no more than its scale until its controller has seen that scale (a status written before
    /// a scale-down still counts the pods being removed).
    /// </summary>
    private static int Available(JsonObject set)
    {
        var available = (int?)set["status"]?["availableReplicas"] ?? 0;
        var observed = (long?)set["status"]?["observedGeneration"] ?? 0;
        var generation = (long?)ObjectMeta.Metadata(set)["generation"] ?? 0;
        return observed < generation ? Math.Min(available, Resources.Replicas(set)) : available;
    }

    private static int Revision(JsonObject set) =>
        int.TryParse((string?)ObjectMeta.Metadata(set)["annotations"]?[RevisionAnnotation], CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    private async Task CreateAsync(ObjectWriter writer, JsonObject set, JsonObject deployment, int replicas, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.CreateAsync(Resources.ReplicaSets, set, Resources.Namespace(deployment), now, ct).ConfigureAwait(false) is { } name)
        {
            await events.RecordAsync(deployment, Resources.Deployments, "Normal", "ScalingReplicaSet", $"Scaled up replica set {name} to {replicas}",
                "deployment-controller", null, now, ct).ConfigureAwait(false);
        }
    }

    private async Task ScaleAsync(ObjectWriter writer, JsonObject set, JsonObject deployment, int replicas, DateTimeOffset now, CancellationToken ct)
    {
        var from = Resources.Replicas(set);
        var copy = ClusterCache.Copy(set);
        copy["spec"]!["replicas"] = replicas;
        var message = $"Scaled {(replicas > from ? "up" : "down")} replica set {Resources.Name(set)} to {replicas} from {from}";
        var reference = ClusterCache.Copy(deployment);
        if (await writer.UpdateAsync(Resources.ReplicaSets, copy, ct).ConfigureAwait(false))
        {
            await events.RecordAsync(reference, Resources.Deployments, "Normal", "ScalingReplicaSet", message, "deployment-controller", null, now, ct).ConfigureAwait(false);
        }
    }

    private static JsonObject NewReplicaSet(JsonObject deployment, JsonObject template, string hash, int replicas, int revision)
    {
        var podTemplate = (JsonObject)template.DeepClone();
        var templateMetadata = podTemplate["metadata"] as JsonObject ?? [];
        var labels = templateMetadata["labels"] as JsonObject ?? [];
        labels[HashLabel] = hash;
        templateMetadata["labels"] = labels;
        podTemplate["metadata"] = templateMetadata;
        var selector = (deployment["spec"]?["selector"] as JsonObject)?.DeepClone() as JsonObject ?? [];
        var matchLabels = selector["matchLabels"] as JsonObject ?? [];
        matchLabels[HashLabel] = hash;
        selector["matchLabels"] = matchLabels;
        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{Resources.Name(deployment)}-{hash}",
                ["labels"] = labels.DeepClone(),
                ["annotations"] = new JsonObject
                {
                    [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/desired-replicas"] = Resources.Replicas(deployment).ToString(CultureInfo.InvariantCulture),
                },
                ["ownerReferences"] = new JsonArray(Resources.OwnerReference(deployment, Resources.Deployments)),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = podTemplate },
        };
    }

    /// <summary>A short, stable name suffix for a pod template (FNV-1a, in the real controller's safe alphabet).</summary>
    internal static string TemplateHash(JsonObject template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(template.ToJsonString()))
        {
            hash = (hash ^ b) * 16777619u;
        }

        var text = new StringBuilder();
        for (var i = 0; i < 10; i++)
        {
            text.Append(alphabet[(int)(hash % (uint)alphabet.Length)]);
            hash /= (uint)alphabet.Length;
            if (hash == 0)
            {
                hash = 2166136261u + (uint)i;
            }
        }

        return text.ToString();
    }
}
