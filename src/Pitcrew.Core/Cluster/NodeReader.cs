using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>
/// Reads a node (a list item or a whole object) straight into <see cref="NodeFacts"/> through one <see cref="JsonTable{TState}"/>:
/// the facts the client's V1Node model holds, without the images, volumes and the rest. The doctor's kubelet probes wait
/// for the node list, so its speed is on their path. Tests hold it to a mapping of the model.
/// </summary>
internal static class NodeReader
{
    /// <summary>A taint, a condition and an address share one item state: each table fills only its own fields.</summary>
    private static readonly JsonTable<Item> Taint = new()
    {
        { "key", static (ref Utf8JsonReader r, ref Item s) => s.First = JsonFields.String(ref r, s.Pool) },
        { "value", static (ref Utf8JsonReader r, ref Item s) => s.Second = JsonFields.String(ref r, s.Pool) },
        { "effect", static (ref Utf8JsonReader r, ref Item s) => s.Third = JsonFields.String(ref r, s.Pool) },
        { "timeAdded", static (ref Utf8JsonReader r, ref Item s) => s.FirstTime = JsonFields.Time(ref r) },
    };

    private static readonly JsonTable<Item> Condition = new()
    {
        { "type", static (ref Utf8JsonReader r, ref Item s) => s.First = JsonFields.String(ref r, s.Pool) },
        { "status", static (ref Utf8JsonReader r, ref Item s) => s.Second = JsonFields.String(ref r, s.Pool) },
        { "reason", static (ref Utf8JsonReader r, ref Item s) => s.Third = JsonFields.String(ref r, s.Pool) },
        { "message", static (ref Utf8JsonReader r, ref Item s) => s.Fourth = JsonFields.String(ref r, s.Pool) },
        { "lastHeartbeatTime", static (ref Utf8JsonReader r, ref Item s) => s.FirstTime = JsonFields.Time(ref r) },
        { "lastTransitionTime", static (ref Utf8JsonReader r, ref Item s) => s.SecondTime = JsonFields.Time(ref r) },
    };

    private static readonly JsonTable<Item> Address = new()
    {
        { "type", static (ref Utf8JsonReader r, ref Item s) => s.First = JsonFields.String(ref r) },
        { "address", static (ref Utf8JsonReader r, ref Item s) => s.Second = JsonFields.String(ref r) },
    };

    private static readonly JsonTable<NodeState> Node = new()
    {
        { "metadata.name", static (ref Utf8JsonReader r, ref NodeState s) => s.Name = JsonFields.String(ref r) },
        { "metadata.labels", static (ref Utf8JsonReader r, ref NodeState s) => s.Labels = JsonFields.Map(ref r, s.Pool) },
        { "metadata.annotations", static (ref Utf8JsonReader r, ref NodeState s) => s.Annotations = JsonFields.Map(ref r, s.Pool) },
        { "metadata.creationTimestamp", static (ref Utf8JsonReader r, ref NodeState s) => s.Created = JsonFields.Time(ref r) },
        { "spec.unschedulable", static (ref Utf8JsonReader r, ref NodeState s) => s.Unschedulable = JsonFields.Bool(ref r) },
        { "spec.taints", static (ref Utf8JsonReader r, ref NodeState s) => Taint.Each(ref r, ref s, new Item { Pool = s.Pool }, AddTaint) },
        { "status.conditions", static (ref Utf8JsonReader r, ref NodeState s) => Condition.Each(ref r, ref s, new Item { Pool = s.Pool }, AddCondition) },
        { "status.addresses", static (ref Utf8JsonReader r, ref NodeState s) => Address.Each(ref r, ref s, new Item { Pool = s.Pool }, AddAddress) },
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

    private static void AddTaint(ref NodeState node, ref Item t) => (node.Taints ??= []).Add(new TaintFacts(t.First ?? string.Empty, t.Second, t.Third ?? string.Empty, t.FirstTime));

    private static void AddCondition(ref NodeState node, ref Item c) =>
        (node.Conditions ??= []).Add(new ConditionFacts(c.First ?? string.Empty, c.Second ?? string.Empty, c.Third, c.Fourth, c.FirstTime, c.SecondTime));

    private static void AddAddress(ref NodeState node, ref Item a)
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

    private struct Item
    {
        public StringPool Pool;
        public string? First;
        public string? Second;
        public string? Third;
        public string? Fourth;
        public DateTimeOffset? FirstTime;
        public DateTimeOffset? SecondTime;
    }
}
