namespace Pitcrew.Nodes;

/// <summary>What a drain needs to know about a node.</summary>
internal sealed record NodeFacts(
    string Name,
    bool Unschedulable,
    bool Ready,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    Capacity Allocatable)
{
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>The annotation Pitcrew sets on nodes it cordons, so it only ever uncordons its own.</summary>
    public const string CordonedByPitcrew = "pitcrew.dev/cordoned-at";

    public string? Zone => Labels.GetValueOrDefault(ZoneLabel);

    public bool CordonedByUs => Annotations.ContainsKey(CordonedByPitcrew);
}

/// <summary>CPU in millicores, memory in bytes, and a pod count: what a node offers or a pod asks for.</summary>
internal readonly record struct Capacity(long CpuMillis, long MemoryBytes, long Pods)
{
    public static Capacity operator +(Capacity a, Capacity b) => new(a.CpuMillis + b.CpuMillis, a.MemoryBytes + b.MemoryBytes, a.Pods + b.Pods);

    public static Capacity operator -(Capacity a, Capacity b) => new(a.CpuMillis - b.CpuMillis, a.MemoryBytes - b.MemoryBytes, a.Pods - b.Pods);

    public bool Fits(Capacity request) => request.CpuMillis <= CpuMillis && request.MemoryBytes <= MemoryBytes && request.Pods <= Pods;
}

/// <summary>The controller a pod's ownerReferences name (controller: true).</summary>
internal sealed record Controller(string ApiVersion, string Kind, string Name);

/// <summary>What a drain needs to know about a pod.</summary>
internal sealed record PodFacts(
    string Namespace,
    string Name,
    string Uid,
    string? NodeName,
    string Phase,
    Controller? Controller,
    bool IsMirror,
    bool HasEmptyDir,
    DateTimeOffset? DeletionTimestamp,
    IReadOnlyDictionary<string, string> Labels,
    int Priority,
    bool Ready,
    Capacity Requests)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>Succeeded or Failed: such pods are deleted without asking any budget.</summary>
    public bool IsTerminal => Phase is "Succeeded" or "Failed";
}

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
