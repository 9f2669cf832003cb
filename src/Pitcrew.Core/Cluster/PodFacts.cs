namespace Pitcrew.Cluster;

/// <summary>
/// A pod as every reader of the cluster sees it: what a drain needs (the positional part) and what the doctor adds
/// (scheduling constraints, the scheduler's verdict, container states).
/// </summary>
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
    /// <summary>The annotation the kubelet puts on the API copy of a static pod.</summary>
    public const string MirrorPodAnnotation = "kubernetes.io/config.mirror";

    public string Key => $"{Namespace}/{Name}";

    /// <summary>Succeeded or Failed: such pods are deleted without asking any budget.</summary>
    public bool IsTerminal => Phase is "Succeeded" or "Failed";

    /// <summary>Being deleted (a deletionTimestamp is set).</summary>
    public bool Terminating => DeletionTimestamp is not null;

    /// <summary>Counts against a node's resources: bound and not finished.</summary>
    public bool Occupies => NodeName is not null && !IsTerminal;

    /// <summary>status.reason (Evicted, ...).</summary>
    public string? Reason { get; init; }

    public string? Message { get; init; }

    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = NodeFacts.EmptyMap;

    /// <summary>spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.</summary>
    public IReadOnlyList<IReadOnlyList<NodeRequirement>> RequiredNodeTerms { get; init; } = [];

    public IReadOnlyList<TolerationFacts> Tolerations { get; init; } = [];

    /// <summary>The CPU the scheduler counts: the containers' sum, or the largest init container's when larger (<see cref="Requests"/> is the sum alone).</summary>
    public long RequestMilliCpu { get; init; }

    /// <summary>The memory the scheduler counts, as <see cref="RequestMilliCpu"/>.</summary>
    public long RequestMemory { get; init; }

    /// <summary>The reason of the first PodScheduled=False condition.</summary>
    public string? ScheduledReason { get; init; }

    public string? ScheduledMessage { get; init; }

    public IReadOnlyList<ContainerFacts> Containers { get; init; } = [];

    public DateTimeOffset? Created { get; init; }
}

/// <summary>The controller a pod's ownerReferences name (controller: true).</summary>
internal sealed record Controller(string ApiVersion, string Kind, string Name);

/// <summary>A container's status: restarts, and how its current and last states ended.</summary>
internal sealed record ContainerFacts(
    string Name,
    int RestartCount,
    string? WaitingReason,
    string? WaitingMessage,
    string? TerminatedReason,
    int? TerminatedExitCode,
    string? LastTerminatedReason,
    int? LastExitCode,
    DateTimeOffset? LastFinished);

/// <summary>A toleration of a pod.</summary>
internal sealed record TolerationFacts(string? Key, string? Operator, string? Value, string? Effect);

/// <summary>One requirement of a node selector term (matchExpressions, or matchFields on metadata.name).</summary>
internal sealed record NodeRequirement(string Key, string Operator, IReadOnlyList<string> Values, bool OnField = false);
