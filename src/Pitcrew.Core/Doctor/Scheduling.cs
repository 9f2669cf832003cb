using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>The scheduler's node filters the doctor re-runs client-side: taints against tolerations, selector and required affinity.</summary>
internal static class Scheduling
{
    public const string UnschedulableTaint = "node.kubernetes.io/unschedulable";

    public static bool Tolerates(IReadOnlyList<TolerationFacts> tolerations, TaintFacts taint) => tolerations.Any(t => Tolerates(t, taint));

    /// <summary>v1 toleration semantics: an empty key with Exists matches every taint; an empty effect matches every effect.</summary>
    public static bool Tolerates(TolerationFacts toleration, TaintFacts taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (string.IsNullOrEmpty(toleration.Key))
        {
            return toleration.Operator == "Exists";
        }

        if (toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.Operator == "Exists" || (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty);
    }

    /// <summary>The first NoSchedule or NoExecute taint the pod does not tolerate, as the scheduler's TaintToleration filter reports it.</summary>
    public static TaintFacts? Untolerated(NodeFacts node, IReadOnlyList<TolerationFacts> tolerations) =>
        node.Taints.FirstOrDefault(t => t.Effect is "NoSchedule" or "NoExecute" && !Tolerates(tolerations, t));

    /// <summary>Whether the node's labels satisfy the pod's nodeSelector and one of its required node affinity terms.</summary>
    public static bool MatchesSelectorAndAffinity(PodFacts pod, NodeFacts node)
    {
        foreach (var (key, value) in pod.NodeSelector)
        {
            if (!node.Labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return pod.RequiredNodeTerms.Count == 0 || pod.RequiredNodeTerms.Any(term => term.All(r => Matches(r, node)));
    }

    private static bool Matches(NodeRequirement requirement, NodeFacts node)
    {
        string? value;
        var present = requirement.OnField
            ? (value = requirement.Key == "metadata.name" ? node.Name : null) is not null
            : node.Labels.TryGetValue(requirement.Key, out value);
        return requirement.Operator switch
        {
            "In" => present && requirement.Values.Contains(value!),
            "NotIn" => !present || !requirement.Values.Contains(value!),
            "Exists" => present,
            "DoesNotExist" => !present,
            "Gt" => present && long.TryParse(value, out var gt) && requirement.Values.Count == 1 && long.TryParse(requirement.Values[0], out var g) && gt > g,
            "Lt" => present && long.TryParse(value, out var lt) && requirement.Values.Count == 1 && long.TryParse(requirement.Values[0], out var l) && lt < l,
            _ => false,
        };
    }
}
