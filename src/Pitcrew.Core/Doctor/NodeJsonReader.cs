using System.Text.Json;
using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>
/// Reads a node of a list page straight into <see cref="DoctorNode"/>: the facts the client's V1Node model holds,
/// without the images, volumes and the rest. The kubelet probes wait for the node list, so its speed is on their path.
/// Tests hold it to a mapping of the model.
/// </summary>
internal static class NodeJsonReader
{
    private const int DefaultKubeletPort = 10250;

    public static DoctorNode Read(ref Utf8JsonReader reader, StringPool pool)
    {
        var node = new NodeState { KubeletPort = DefaultKubeletPort, Pool = pool };
        JsonFields.Sections(ref reader, ref node, Metadata, Spec, Status);

        return new DoctorNode(node.Name ?? string.Empty, node.Unschedulable, node.Labels ?? DoctorFactsMapper.EmptyMap, node.Annotations ?? DoctorFactsMapper.EmptyMap,
            node.Taints ?? [], node.Conditions ?? [], node.InternalIp, node.KubeletPort, node.KubeletVersion, node.MilliCpu, node.Memory, node.Pods, node.Created);
    }

    private static void Metadata(ref Utf8JsonReader reader, ref NodeState node)
    {
        var pool = node.Pool;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                node.Name = JsonFields.String(ref reader);
            }
            else if (reader.ValueTextEquals("labels"u8))
            {
                reader.Read();
                node.Labels = JsonFields.Map(ref reader, pool);
            }
            else if (reader.ValueTextEquals("annotations"u8))
            {
                reader.Read();
                node.Annotations = JsonFields.Map(ref reader, pool);
            }
            else if (reader.ValueTextEquals("creationTimestamp"u8))
            {
                reader.Read();
                node.Created = JsonFields.Time(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void Spec(ref Utf8JsonReader reader, ref NodeState node)
    {
        var pool = node.Pool;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("unschedulable"u8))
            {
                reader.Read();
                node.Unschedulable = JsonFields.Bool(ref reader);
            }
            else if (reader.ValueTextEquals("taints"u8))
            {
                reader.Read();
                var taints = new List<TaintFacts>();
                (List<TaintFacts> List, StringPool Pool) state = (taints, pool);
                JsonFields.Objects(ref reader, ref state, Taint);
                node.Taints = taints;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void Status(ref Utf8JsonReader reader, ref NodeState node)
    {
        var pool = node.Pool;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("conditions"u8))
            {
                reader.Read();
                var conditions = new List<ConditionFacts>();
                (List<ConditionFacts> List, StringPool Pool) state = (conditions, pool);
                JsonFields.Objects(ref reader, ref state, Condition);
                node.Conditions = conditions;
            }
            else if (reader.ValueTextEquals("addresses"u8))
            {
                reader.Read();
                (string? Ip, bool Found) address = (null, false);
                JsonFields.Objects(ref reader, ref address, InternalAddress);
                node.InternalIp = address.Ip;
            }
            else if (reader.ValueTextEquals("daemonEndpoints"u8))
            {
                reader.Read();
                node.KubeletPort = KubeletPort(ref reader) is { } port and > 0 ? port : DefaultKubeletPort;
            }
            else if (reader.ValueTextEquals("nodeInfo"u8))
            {
                reader.Read();
                node.KubeletVersion = KubeletVersion(ref reader, pool);
            }
            else if (reader.ValueTextEquals("allocatable"u8))
            {
                reader.Read();
                Allocatable(ref reader, ref node);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void Taint(ref Utf8JsonReader reader, ref (List<TaintFacts> List, StringPool Pool) state)
    {
        string? key = null, value = null, effect = null;
        DateTimeOffset? added = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("key"u8) ? 1 : reader.ValueTextEquals("value"u8) ? 2 : reader.ValueTextEquals("effect"u8) ? 3 : reader.ValueTextEquals("timeAdded"u8) ? 4 : 0;
            reader.Read();
            switch (field)
            {
                case 1: key = JsonFields.String(ref reader, state.Pool); break;
                case 2: value = JsonFields.String(ref reader, state.Pool); break;
                case 3: effect = JsonFields.String(ref reader, state.Pool); break;
                case 4: added = JsonFields.Time(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        state.List.Add(new TaintFacts(key ?? string.Empty, value, effect ?? string.Empty, added));
    }

    private static void Condition(ref Utf8JsonReader reader, ref (List<ConditionFacts> List, StringPool Pool) state)
    {
        string? type = null, status = null, reason = null, message = null;
        DateTimeOffset? heartbeat = null, transition = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("status"u8) ? 2 : reader.ValueTextEquals("reason"u8) ? 3
                : reader.ValueTextEquals("message"u8) ? 4 : reader.ValueTextEquals("lastHeartbeatTime"u8) ? 5 : reader.ValueTextEquals("lastTransitionTime"u8) ? 6 : 0;
            reader.Read();
            switch (field)
            {
                case 1: type = JsonFields.String(ref reader, state.Pool); break;
                case 2: status = JsonFields.String(ref reader, state.Pool); break;
                case 3: reason = JsonFields.String(ref reader, state.Pool); break;
                case 4: message = JsonFields.String(ref reader, state.Pool); break;
                case 5: heartbeat = JsonFields.Time(ref reader); break;
                case 6: transition = JsonFields.Time(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        state.List.Add(new ConditionFacts(type ?? string.Empty, status ?? string.Empty, reason, message, heartbeat, transition));
    }

    /// <summary>The first address of type InternalIP.</summary>
    private static void InternalAddress(ref Utf8JsonReader reader, ref (string? Ip, bool Found) state)
    {
        string? type = null, address = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("address"u8) ? 2 : 0;
            reader.Read();
            switch (field)
            {
                case 1: type = JsonFields.String(ref reader); break;
                case 2: address = JsonFields.String(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        if (!state.Found && type == "InternalIP")
        {
            state = (address, true);
        }
    }

    /// <summary>daemonEndpoints.kubeletEndpoint.Port.</summary>
    private static int? KubeletPort(ref Utf8JsonReader reader)
    {
        int? port = null;
        if (!JsonFields.Enter(ref reader))
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isKubelet = reader.ValueTextEquals("kubeletEndpoint"u8);
            reader.Read();
            if (!isKubelet || !JsonFields.Enter(ref reader))
            {
                if (!isKubelet)
                {
                    reader.Skip();
                }

                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isPort = reader.ValueTextEquals("Port"u8);
                reader.Read();
                if (isPort)
                {
                    port = JsonFields.Int(ref reader);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return port;
    }

    private static string? KubeletVersion(ref Utf8JsonReader reader, StringPool pool)
    {
        string? version = null;
        if (!JsonFields.Enter(ref reader))
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isVersion = reader.ValueTextEquals("kubeletVersion"u8);
            reader.Read();
            if (isVersion)
            {
                version = JsonFields.String(ref reader, pool);
            }
            else
            {
                reader.Skip();
            }
        }

        return version;
    }

    private static void Allocatable(ref Utf8JsonReader reader, ref NodeState node)
    {
        if (!JsonFields.Enter(ref reader))
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var which = reader.ValueTextEquals("cpu"u8) ? 1 : reader.ValueTextEquals("memory"u8) ? 2 : reader.ValueTextEquals("pods"u8) ? 3 : 0;
            reader.Read();
            if (which == 0 || reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                continue;
            }

            switch (which)
            {
                case 1: node.MilliCpu = Quantities.MilliCpu(ref reader); break;
                case 2: node.Memory = Quantities.Bytes(ref reader); break;
                default: node.Pods = Quantities.Bytes(ref reader); break;
            }
        }
    }

    private struct NodeState
    {
        public StringPool Pool;
        public string? Name;
        public bool Unschedulable;
        public IReadOnlyDictionary<string, string>? Labels;
        public IReadOnlyDictionary<string, string>? Annotations;
        public List<TaintFacts>? Taints;
        public List<ConditionFacts>? Conditions;
        public string? InternalIp;
        public int KubeletPort;
        public string? KubeletVersion;
        public long MilliCpu;
        public long Memory;
        public long Pods;
        public DateTimeOffset? Created;
    }
}
