namespace Pitcrew.Cluster;

/// <summary>
/// A node as every reader of the cluster sees it: what a drain and an upgrade need (the positional part) and what the
/// doctor adds (taints, conditions, address, kubelet).
/// </summary>
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

    /// <summary>The kubelet's port when the node does not report one.</summary>
    public const int DefaultKubeletPort = 10250;

    public static readonly IReadOnlyDictionary<string, string> EmptyMap = new Dictionary<string, string>();

    public Capacity Allocatable { get; init; } = Allocatable;

    public long AllocatableMilliCpu { get => Allocatable.CpuMillis; init => Allocatable = Allocatable with { CpuMillis = value }; }

    public long AllocatableMemory { get => Allocatable.MemoryBytes; init => Allocatable = Allocatable with { MemoryBytes = value }; }

    public long AllocatablePods { get => Allocatable.Pods; init => Allocatable = Allocatable with { Pods = value }; }

    public IReadOnlyList<TaintFacts> Taints { get; init; } = [];

    public IReadOnlyList<ConditionFacts> Conditions { get; init; } = [];

    /// <summary>The first address of type InternalIP.</summary>
    public string? InternalIp { get; init; }

    public int KubeletPort { get; init; } = DefaultKubeletPort;

    public string? KubeletVersion { get; init; }

    public DateTimeOffset? Created { get; init; }

    public string? Zone => Labels.GetValueOrDefault(ZoneLabel);

    public bool CordonedByUs => Annotations.ContainsKey(CordonedByPitcrew);

    public ConditionFacts? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);
}

/// <summary>CPU in millicores, memory in bytes, and a pod count: what a node offers or a pod asks for.</summary>
internal readonly record struct Capacity(long CpuMillis, long MemoryBytes, long Pods)
{
    public static Capacity operator +(Capacity a, Capacity b) => new(a.CpuMillis + b.CpuMillis, a.MemoryBytes + b.MemoryBytes, a.Pods + b.Pods);

    public static Capacity operator -(Capacity a, Capacity b) => new(a.CpuMillis - b.CpuMillis, a.MemoryBytes - b.MemoryBytes, a.Pods - b.Pods);

    public bool Fits(Capacity request) => request.CpuMillis <= CpuMillis && request.MemoryBytes <= MemoryBytes && request.Pods <= Pods;
}

/// <summary>A node condition as the API reports it.</summary>
internal sealed record ConditionFacts(string Type, string Status, string? Reason, string? Message, DateTimeOffset? LastHeartbeat, DateTimeOffset? LastTransition);

/// <summary>A taint on a node.</summary>
internal sealed record TaintFacts(string Key, string? Value, string Effect, DateTimeOffset? Added)
{
    public override string ToString() => $"{Key}{(string.IsNullOrEmpty(Value) ? string.Empty : "=" + Value)}:{Effect}";
}
