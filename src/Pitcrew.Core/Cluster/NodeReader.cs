using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>
/// Reads a node (a list item or a whole object) straight into <see cref="NodeFacts"/> through one <see cref="JsonTable{TState}"/>:
/// the facts the client's V1Node model holds, without the images, volumes and the rest. The doctor's kubelet probes wait
/// for the node list, so its speed is on their path. Tests hold it to a mapping of the model.
/// </summary>
internal static class NodeReader
{
    private static readonly JsonTable<FieldSlots> Taint = FieldSlots.Strings("key", "value", "effect")
        .With("timeAdded", static (ref Utf8JsonReader r, ref FieldSlots s) => s.FirstTime = JsonFields.Time(ref r));

    private static readonly JsonTable<FieldSlots> Condition = FieldSlots.Strings("type", "status", "reason", "message")
        .With("lastHeartbeatTime", static (ref Utf8JsonReader r, ref FieldSlots s) => s.FirstTime = JsonFields.Time(ref r))
        .With("lastTransitionTime", static (ref Utf8JsonReader r, ref FieldSlots s) => s.SecondTime = JsonFields.Time(ref r));

    private static readonly JsonTable<FieldSlots> Address = FieldSlots.Strings("type", "address");

    private static readonly JsonTable<NodeState> Node = new()
    {
        { "metadata.name", static (ref Utf8JsonReader r, ref NodeState s) => s.Name = JsonFields.String(ref r) },
        { "metadata.labels", static (ref Utf8JsonReader r, ref NodeState s) => s.Labels = JsonFields.Map(ref r, s.Pool) },
        { "metadata.annotations", static (ref Utf8JsonReader r, ref NodeState s) => s.Annotations = JsonFields.Map(ref r, s.Pool) },
        { "metadata.creationTimestamp", static (ref Utf8JsonReader r, ref NodeState s) => s.Created = JsonFields.Time(ref r) },
        { "spec.unschedulable", static (ref Utf8JsonReader r, ref NodeState s) => s.Unschedulable = JsonFields.Bool(ref r) },
        { "spec.taints", static (ref Utf8JsonReader r, ref NodeState s) => Taint.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, AddTaint) },
        { "status.conditions", static (ref Utf8JsonReader r, ref NodeState s) => Condition.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, AddCondition) },
        { "status.addresses", static (ref Utf8JsonReader r, ref NodeState s) => Address.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, AddAddress) },
        { "status.daemonEndpoints.kubeletEndpoint.Port", static (ref Utf8JsonReader r, ref NodeState s) => s.KubeletPort = JsonFields.Int(ref r) },
        { "status.nodeInfo.kubeletVersion", static (ref Utf8JsonReader r, ref NodeState s) => s.KubeletVersion = JsonFields.String(ref r, s.Pool) },
        { "status.allocatable.cpu", static (ref Utf8JsonReader r, ref NodeState s) => s.Allocatable = s.Allocatable with { CpuMillis = JsonFields.MilliCpu(ref r) } },
        { "status.allocatable.memory", static (ref Utf8JsonReader r, ref NodeState s) => s.Allocatable = s.Allocatable with { MemoryBytes = JsonFields.Bytes(ref r) } },
        { "status.allocatable.pods", static (ref Utf8JsonReader r, ref NodeState s) => s.Allocatable = s.Allocatable with { Pods = JsonFields.Bytes(ref r) } },
    };

    /// <summary>Reads one node, the reader on its StartObject; leaves the reader on its EndObject.</summary>
    public static NodeFacts Read(ref Utf8JsonReader reader, StringPool pool)
    {
        var node = new NodeState { Pool = pool };
        Node.Read(ref reader, ref node);
        var conditions = (IReadOnlyList<ConditionFacts>?)node.Conditions ?? [];
        return new NodeFacts(node.Name ?? string.Empty, node.Unschedulable, conditions.Any(c => c is { Type: "Ready", Status: "True" }),
            node.Labels ?? NodeFacts.EmptyMap, node.Annotations ?? NodeFacts.EmptyMap, node.Allocatable)
        {
            Taints = (IReadOnlyList<TaintFacts>?)node.Taints ?? [],
            Conditions = conditions,
            InternalIp = node.InternalIp,
            KubeletPort = node.KubeletPort is { } port and > 0 ? port : NodeFacts.DefaultKubeletPort,
            KubeletVersion = node.KubeletVersion,
            Created = node.Created,
        };
    }

    private static void AddTaint(ref NodeState node, ref FieldSlots t) => (node.Taints ??= []).Add(new TaintFacts(t.First ?? string.Empty, t.Second, t.Third ?? string.Empty, t.FirstTime));

    private static void AddCondition(ref NodeState node, ref FieldSlots c) =>
        (node.Conditions ??= []).Add(new ConditionFacts(c.First ?? string.Empty, c.Second ?? string.Empty, c.Third, c.Fourth, c.FirstTime, c.SecondTime));

    private static void AddAddress(ref NodeState node, ref FieldSlots a)
    {
        if (!node.AddressFound && a.First == "InternalIP")
        {
            (node.InternalIp, node.AddressFound) = (a.Second, true);
        }
    }

    private struct NodeState
    {
        public StringPool Pool;
        public string? Name;
        public bool Unschedulable;
        public IReadOnlyDictionary<string, string>? Labels;
        public IReadOnlyDictionary<string, string>? Annotations;
        public DateTimeOffset? Created;
        public List<TaintFacts>? Taints;
        public List<ConditionFacts>? Conditions;
        public string? InternalIp;
        public bool AddressFound;
        public int? KubeletPort;
        public string? KubeletVersion;
        public Capacity Allocatable;
    }
}
