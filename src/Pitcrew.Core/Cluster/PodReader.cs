using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>
/// Reads a pod (a list item or a whole object) straight into <see cref="PodFacts"/> through one <see cref="JsonTable{TState}"/>:
/// the facts the client's V1Pod model holds, without building the model (managedFields, env, probes and the rest are
/// skipped). The doctor reads 150,000 pods through it. Tests hold it to a mapping of the model.
/// </summary>
internal static class PodReader
{
    private static readonly JsonTable<PodState> Pod = new()
    {
        { "metadata.name", static (ref Utf8JsonReader r, ref PodState s) => s.Name = JsonFields.String(ref r) },
        { "metadata.namespace", static (ref Utf8JsonReader r, ref PodState s) => s.Namespace = JsonFields.String(ref r, s.Pool) },
        { "metadata.uid", static (ref Utf8JsonReader r, ref PodState s) => s.Uid = JsonFields.String(ref r) },
        { "metadata.creationTimestamp", static (ref Utf8JsonReader r, ref PodState s) => s.Created = JsonFields.Time(ref r) },
        { "metadata.deletionTimestamp", static (ref Utf8JsonReader r, ref PodState s) => s.Deleting = JsonFields.Time(ref r) },
        { "metadata.labels", static (ref Utf8JsonReader r, ref PodState s) => s.Labels = JsonFields.Map(ref r, s.Pool) },
        { "metadata.annotations", static (ref Utf8JsonReader r, ref PodState s) => s.IsMirror = JsonFields.HasKey(ref r, "kubernetes.io/config.mirror"u8) },
        { "metadata.ownerReferences", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Owner.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, PodParts.AddOwner) },
        { "spec.nodeName", static (ref Utf8JsonReader r, ref PodState s) => s.NodeName = JsonFields.String(ref r, s.Pool) },
        { "spec.priority", static (ref Utf8JsonReader r, ref PodState s) => s.Priority = JsonFields.Int(ref r) ?? 0 },
        { "spec.nodeSelector", static (ref Utf8JsonReader r, ref PodState s) => s.NodeSelector = JsonFields.Map(ref r, s.Pool) },
        { "spec.tolerations", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Toleration.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, PodParts.AddToleration) },
        { "spec.volumes", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Volume.Each(ref r, ref s, default, PodParts.AddVolume) },
        { "spec.containers", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Requests.Each(ref r, ref s, default, PodParts.AddContainer) },
        { "spec.initContainers", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Requests.Each(ref r, ref s, default, PodParts.AddInitContainer) },
        {
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms",
            static (ref Utf8JsonReader r, ref PodState s) =>
            {
                s.Terms = [];
                PodParts.Term.Each(ref r, ref s, new PodParts.TermState { Pool = s.Pool }, PodParts.AddTerm);
            }
        },
        { "status.phase", static (ref Utf8JsonReader r, ref PodState s) => s.Phase = JsonFields.String(ref r, s.Pool) },
        { "status.reason", static (ref Utf8JsonReader r, ref PodState s) => s.Reason = JsonFields.String(ref r, s.Pool) },
        { "status.message", static (ref Utf8JsonReader r, ref PodState s) => s.Message = JsonFields.String(ref r) },
        { "status.conditions", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Condition.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, PodParts.AddCondition) },
        { "status.containerStatuses", static (ref Utf8JsonReader r, ref PodState s) => PodParts.Status.Each(ref r, ref s, new PodParts.StatusState { Pool = s.Pool }, PodParts.AddStatus) },
    };

    /// <summary>Reads one pod, the reader on its StartObject; leaves the reader on its EndObject.</summary>
    public static PodFacts Read(ref Utf8JsonReader reader, StringPool pool)
    {
        var pod = new PodState { Pool = pool };
        Pod.Read(ref reader, ref pod);

        // Init containers run one at a time: the scheduler counts the larger of their largest request and the containers' sum.
        return new PodFacts(pod.Namespace ?? "default", pod.Name ?? string.Empty, pod.Uid ?? string.Empty, pod.NodeName, pod.Phase ?? "Pending", pod.Controller,
            pod.IsMirror, pod.HasEmptyDir, pod.Deleting, pod.Labels ?? NodeFacts.EmptyMap, pod.Priority, pod.Ready, pod.Requests with { Pods = 1 })
        {
            Reason = pod.Reason,
            Message = pod.Message,
            NodeSelector = pod.NodeSelector ?? NodeFacts.EmptyMap,
            RequiredNodeTerms = (IReadOnlyList<IReadOnlyList<NodeRequirement>>?)pod.Terms ?? [],
            Tolerations = (IReadOnlyList<TolerationFacts>?)pod.Tolerations ?? [],
            RequestMilliCpu = Math.Max(pod.Requests.CpuMillis, pod.InitRequests.CpuMillis),
            RequestMemory = Math.Max(pod.Requests.MemoryBytes, pod.InitRequests.MemoryBytes),
            ScheduledReason = pod.ScheduledReason,
            ScheduledMessage = pod.ScheduledMessage,
            Containers = (IReadOnlyList<ContainerFacts>?)pod.Containers ?? [],
            Created = pod.Created,
        };
    }
}

/// <summary>What <see cref="PodReader"/> gathers of one pod while it walks it.</summary>
internal struct PodState
{
    public StringPool Pool;
    public string? Namespace;
    public string? Name;
    public string? Uid;
    public DateTimeOffset? Created;
    public DateTimeOffset? Deleting;
    public IReadOnlyDictionary<string, string>? Labels;
    public bool IsMirror;
    public Controller? Controller;
    public string? NodeName;
    public int Priority;
    public bool HasEmptyDir;
    public IReadOnlyDictionary<string, string>? NodeSelector;
    public List<TolerationFacts>? Tolerations;
    public Capacity Requests;
    public Capacity InitRequests;
    public List<IReadOnlyList<NodeRequirement>>? Terms;
    public string? Phase;
    public string? Reason;
    public string? Message;
    public bool Ready;
    public bool Scheduled;
    public string? ScheduledReason;
    public string? ScheduledMessage;
    public List<ContainerFacts>? Containers;
}
