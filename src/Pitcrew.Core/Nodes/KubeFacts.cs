using k8s.Models;

namespace Pitcrew.Nodes;

/// <summary>Reads the facts node maintenance needs out of the official client's models.</summary>
internal static class KubeFacts
{
    public static NodeFacts Node(V1Node node) => new(
        node.Metadata.Name,
        node.Spec?.Unschedulable ?? false,
        node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false,
        Dictionary(node.Metadata.Labels),
        Dictionary(node.Metadata.Annotations),
        new Capacity(
            Millis(node.Status?.Allocatable, "cpu"),
            Whole(node.Status?.Allocatable, "memory"),
            Whole(node.Status?.Allocatable, "pods")));

    public static PodFacts Pod(V1Pod pod)
    {
        var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        var requests = new Capacity(0, 0, 1);
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            requests += new Capacity(Millis(container.Resources?.Requests, "cpu"), Whole(container.Resources?.Requests, "memory"), 0);
        }

        return new PodFacts(
            pod.Metadata.NamespaceProperty ?? "default",
            pod.Metadata.Name,
            pod.Metadata.Uid ?? string.Empty,
            pod.Spec?.NodeName,
            pod.Status?.Phase ?? "Pending",
            owner is null ? null : new Controller(owner.ApiVersion, owner.Kind, owner.Name),
            pod.Metadata.Annotations?.ContainsKey(DrainPlanner.MirrorPodAnnotation) ?? false,
            pod.Spec?.Volumes?.Any(v => v.EmptyDir is not null) ?? false,
            pod.Metadata.DeletionTimestamp is { } deleting ? new DateTimeOffset(DateTime.SpecifyKind(deleting, DateTimeKind.Utc)) : null,
            Dictionary(pod.Metadata.Labels),
            pod.Spec?.Priority ?? 0,
            pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false,
            requests);
    }

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

    private static long Millis(IDictionary<string, ResourceQuantity>? quantities, string name) =>
        quantities is not null && quantities.TryGetValue(name, out var q) ? (long)decimal.Ceiling(q.ToDecimal() * 1000) : 0;

    private static long Whole(IDictionary<string, ResourceQuantity>? quantities, string name) =>
        quantities is not null && quantities.TryGetValue(name, out var q) ? (long)decimal.Ceiling(q.ToDecimal()) : 0;
}
