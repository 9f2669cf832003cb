using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Gives each Deployment a ReplicaSet per pod template (named with the template's hash, as the real controller does),
/// scales the current one to spec.replicas and the old ones to zero, and reports the rollout in the status.
/// </summary>
internal sealed class DeploymentController : IController
{
    public const string HashLabel = "pod-template-hash";

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sets = cache.List(Resources.ReplicaSets).Where(r => Resources.ControllerUid(r) is not null).ToLookup(r => Resources.ControllerUid(r)!);
        foreach (var deployment in cache.List(Resources.Deployments).Where(d => !Resources.Terminating(d)))
        {
            var ns = Resources.Namespace(deployment);
            var template = deployment["spec"]?["template"] as JsonObject ?? [];
            var hash = TemplateHash(template);
            var owned = sets[Resources.Uid(deployment)].ToList();
            var current = owned.FirstOrDefault(r => (string?)ObjectMeta.Metadata(r)["labels"]?[HashLabel] == hash);
            var replicas = Resources.Replicas(deployment);
            if (current is null)
            {
                await writer.CreateAsync(Resources.ReplicaSets, NewReplicaSet(deployment, template, hash, replicas), ns, now, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (Resources.Replicas(current) != replicas)
            {
                current["spec"]!["replicas"] = replicas;
                await writer.UpdateAsync(Resources.ReplicaSets, current, cancellationToken).ConfigureAwait(false);
            }

            foreach (var old in owned.Where(r => !ReferenceEquals(r, current) && Resources.Replicas(r) != 0))
            {
                old["spec"]!["replicas"] = 0;
                await writer.UpdateAsync(Resources.ReplicaSets, old, cancellationToken).ConfigureAwait(false);
            }

            var ready = owned.Sum(r => (int?)r["status"]?["readyReplicas"] ?? 0);
            var updated = (int?)current["status"]?["replicas"] ?? 0;
            var status = new JsonObject
            {
                ["observedGeneration"] = ObjectMeta.Metadata(deployment)["generation"]?.DeepClone(),
                ["replicas"] = owned.Sum(r => (int?)r["status"]?["replicas"] ?? 0),
                ["updatedReplicas"] = updated,
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
                ["unavailableReplicas"] = Math.Max(0, replicas - ready),
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Available",
                    ["status"] = ready >= replicas ? "True" : "False",
                    ["reason"] = ready >= replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                }),
            };
            if (!JsonNode.DeepEquals(deployment["status"], status))
            {
                deployment["status"] = status;
                await writer.UpdateAsync(Resources.Deployments, deployment, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static JsonObject NewReplicaSet(JsonObject deployment, JsonObject template, string hash, int replicas)
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
