using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;

namespace Pitcrew.Cluster;

/// <summary>Reads facts out of the official client's models: nodes and pods through the same readers as raw lists, budgets field by field.</summary>
internal static class KubeFacts
{
    /// <summary>A node the client read (a get, a watch event) through <see cref="NodeReader"/>, so that every node is read one way.</summary>
    public static NodeFacts Node(V1Node node) => Read(node, NodeReader.Read);

    /// <summary>A pod the client read (a watch event) through <see cref="PodReader"/>, so that every pod is read one way.</summary>
    public static PodFacts Pod(V1Pod pod) => Read(pod, PodReader.Read);

    public static BudgetFacts Budget(V1PodDisruptionBudget pdb)
    {
        var selector = pdb.Spec?.Selector;
        var facts = selector is null
            ? new LabelSelectorFacts(new Dictionary<string, string>(), []) { SelectsNothing = true }
            : new LabelSelectorFacts(
                Dictionary(selector.MatchLabels),
                [.. (selector.MatchExpressions ?? []).Select(e => new SelectorRequirement(e.Key, e.OperatorProperty, [.. e.Values ?? []]))]);
        return new BudgetFacts(
            pdb.Metadata.NamespaceProperty ?? "default",
            pdb.Metadata.Name,
            facts,
            pdb.Status?.DisruptionsAllowed ?? 0,
            pdb.Status?.CurrentHealthy ?? 0,
            pdb.Status?.DesiredHealthy ?? 0,
            pdb.Status?.ExpectedPods ?? 0,
            pdb.Metadata.Generation ?? 0,
            pdb.Status?.ObservedGeneration ?? 0,
            pdb.Spec?.UnhealthyPodEvictionPolicy == "AlwaysAllow")
        {
            DisruptedPods = [.. pdb.Status?.DisruptedPods?.Keys ?? []],
        };
    }

    private static Dictionary<string, string> Dictionary(IDictionary<string, string>? source) =>
        source is null ? [] : new Dictionary<string, string>(source);

    private static T Read<TModel, T>(TModel model, ListItemReader<T> read)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(model)));
        reader.Read();
        return read(ref reader, new StringPool());
    }
}
