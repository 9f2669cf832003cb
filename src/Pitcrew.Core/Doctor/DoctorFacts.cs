namespace Pitcrew.Doctor;

/// <summary>A node condition as the API reports it.</summary>
internal sealed record ConditionFacts(string Type, string Status, string? Reason, string? Message, DateTimeOffset? LastHeartbeat, DateTimeOffset? LastTransition);

/// <summary>A taint on a node.</summary>
internal sealed record TaintFacts(string Key, string? Value, string Effect, DateTimeOffset? Added)
{
    public override string ToString() => $"{Key}{(string.IsNullOrEmpty(Value) ? string.Empty : "=" + Value)}:{Effect}";
}

/// <summary>A toleration of a pod.</summary>
internal sealed record TolerationFacts(string? Key, string? Operator, string? Value, string? Effect);

/// <summary>One requirement of a node selector term (matchExpressions, or matchFields on metadata.name).</summary>
internal sealed record NodeRequirement(string Key, string Operator, IReadOnlyList<string> Values, bool OnField = false);

/// <summary>What the doctor needs of a node.</summary>
internal sealed record DoctorNode(
    string Name,
    bool Unschedulable,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyList<TaintFacts> Taints,
    IReadOnlyList<ConditionFacts> Conditions,
    string? InternalIp,
    int KubeletPort,
    string? KubeletVersion,
    long AllocatableMilliCpu,
    long AllocatableMemory,
    long AllocatablePods,
    DateTimeOffset? Created)
{
    public ConditionFacts? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);
}

/// <summary>What the doctor needs of a container's status.</summary>
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

/// <summary>What the doctor needs of a pod: where it runs, what it asks of a node, how its containers are.</summary>
internal sealed record DoctorPod(
    string Namespace,
    string Name,
    string Phase,
    string? Reason,
    string? Message,
    string? NodeName,
    bool Terminating,
    IReadOnlyDictionary<string, string> NodeSelector,
    IReadOnlyList<IReadOnlyList<NodeRequirement>> RequiredNodeTerms,
    IReadOnlyList<TolerationFacts> Tolerations,
    long RequestMilliCpu,
    long RequestMemory,
    string? ScheduledReason,
    string? ScheduledMessage,
    IReadOnlyList<ContainerFacts> Containers,
    DateTimeOffset? Created)
{
    /// <summary>Counts against a node's resources: bound and not finished.</summary>
    public bool Occupies => NodeName is not null && Phase is not ("Succeeded" or "Failed");
}

/// <summary>A Warning event, as aggregated by the API (count, last seen).</summary>
internal sealed record EventFacts(string? Namespace, string Kind, string Name, string Reason, string Message, int Count, DateTimeOffset? LastSeen);

/// <summary>Usage of a node from metrics.k8s.io (the working set for memory).</summary>
internal sealed record NodeUsage(string Node, long MilliCpu, long Memory);

/// <summary>Everything the cluster-object checks read, gathered first.</summary>
/// <param name="Leases">Node name -> the renewTime of its kube-node-lease Lease.</param>
/// <param name="Usage">Null when the metrics API is not served or not readable.</param>
internal sealed record ClusterFacts(
    IReadOnlyList<DoctorNode> Nodes,
    IReadOnlyDictionary<string, DateTimeOffset?> Leases,
    IReadOnlyList<DoctorPod> Pods,
    IReadOnlyList<EventFacts> Events,
    IReadOnlyList<NodeUsage>? Usage,
    string? ServerVersion);

/// <summary>How a TCP connect and TLS handshake to one endpoint went, and the certificate it presented.</summary>
internal sealed record ProbeResult(string Target, string Endpoint, ProbeOutcome Outcome, string? Error, CertificateFacts? Certificate, TimeSpan Took);

/// <summary>What a connect attempt came to.</summary>
internal enum ProbeOutcome
{
    Open,
    Refused,
    TimedOut,
    Failed,
}

/// <summary>A certificate seen in a handshake or read from a file.</summary>
internal sealed record CertificateFacts(string Name, string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter, bool SelfSigned);
