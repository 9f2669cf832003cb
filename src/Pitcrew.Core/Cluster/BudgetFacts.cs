namespace Pitcrew.Cluster;

/// <summary>A PodDisruptionBudget's selector and status.</summary>
internal sealed record BudgetFacts(
    string Namespace,
    string Name,
    LabelSelectorFacts Selector,
    int DisruptionsAllowed,
    int CurrentHealthy,
    int DesiredHealthy,
    int ExpectedPods,
    long Generation,
    long ObservedGeneration,
    bool AlwaysAllowUnhealthy)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>status.disruptedPods: pods whose eviction the server granted and the disruption controller has not yet seen go.</summary>
    public IReadOnlyList<string> DisruptedPods { get; init; } = [];

    public bool Covers(PodFacts pod) => pod.Namespace == Namespace && Selector.Matches(pod.Labels);
}

/// <summary>A label selector: matchLabels plus matchExpressions (In, NotIn, Exists, DoesNotExist).</summary>
internal sealed record LabelSelectorFacts(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<SelectorRequirement> Expressions)
{
    /// <summary>A budget whose selector is null or empty selects nothing in policy/v1 terms only when null; empty selects all.</summary>
    public bool SelectsNothing { get; init; }

    public bool Matches(IReadOnlyDictionary<string, string> labels) =>
        !SelectsNothing
        && MatchLabels.All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value)
        && Expressions.All(e => e.Matches(labels));
}

/// <summary>One matchExpressions entry.</summary>
internal sealed record SelectorRequirement(string Key, string Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels) => Operator switch
    {
        "In" => labels.TryGetValue(Key, out var v) && Values.Contains(v),
        "NotIn" => !labels.TryGetValue(Key, out var v) || !Values.Contains(v),
        "Exists" => labels.ContainsKey(Key),
        "DoesNotExist" => !labels.ContainsKey(Key),
        _ => false,
    };
}
