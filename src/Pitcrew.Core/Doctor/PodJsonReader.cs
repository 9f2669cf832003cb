using System.Text.Json;
using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>
/// Reads a pod of a list page straight into <see cref="DoctorPod"/>: the facts the client's V1Pod model holds, without
/// building the model (managedFields, volumes, env and the rest are skipped). Tests hold it to a mapping of the model.
/// </summary>
internal static class PodJsonReader
{
    public static DoctorPod Read(ref Utf8JsonReader reader, StringPool pool)
    {
        var pod = new PodState { Pool = pool };
        JsonFields.Sections(ref reader, ref pod, Metadata, Spec, Status);

        return new DoctorPod(
            pod.Namespace ?? "default",
            pod.Name ?? string.Empty,
            pod.Phase ?? "Pending",
            pod.Reason,
            pod.Message,
            pod.NodeName,
            pod.Terminating,
            pod.NodeSelector ?? DoctorFactsMapper.EmptyMap,
            pod.Terms ?? [],
            pod.Tolerations ?? [],
            pod.Init is { } init ? Math.Max(pod.MilliCpu, init.MilliCpu) : pod.MilliCpu,
            pod.Init is { } initMemory ? Math.Max(pod.Memory, initMemory.Memory) : pod.Memory,
            pod.ScheduledReason,
            pod.ScheduledMessage,
            pod.Containers ?? [],
            pod.Created);
    }

    private static void Metadata(ref Utf8JsonReader reader, ref PodState pod)
    {
        var pool = pod.Pool;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                pod.Name = JsonFields.String(ref reader);
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                reader.Read();
                pod.Namespace = JsonFields.String(ref reader, pool);
            }
            else if (reader.ValueTextEquals("creationTimestamp"u8))
            {
                reader.Read();
                pod.Created = JsonFields.Time(ref reader);
            }
            else if (reader.ValueTextEquals("deletionTimestamp"u8))
            {
                reader.Read();
                pod.Terminating = reader.TokenType != JsonTokenType.Null;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void Spec(ref Utf8JsonReader reader, ref PodState pod)
    {
        var pool = pod.Pool;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("nodeName"u8))
            {
                reader.Read();
                pod.NodeName = JsonFields.String(ref reader, pool);
            }
            else if (reader.ValueTextEquals("nodeSelector"u8))
            {
                reader.Read();
                pod.NodeSelector = JsonFields.Map(ref reader, pool);
            }
            else if (reader.ValueTextEquals("tolerations"u8))
            {
                reader.Read();
                var tolerations = new List<TolerationFacts>();
                (List<TolerationFacts> List, StringPool Pool) state = (tolerations, pool);
                JsonFields.Objects(ref reader, ref state, Toleration);
                pod.Tolerations = tolerations;
            }
            else if (reader.ValueTextEquals("containers"u8))
            {
                reader.Read();
                var sum = new ContainerAsks(0, 0, Init: false);
                JsonFields.Objects(ref reader, ref sum, ContainerRequests);
                pod.MilliCpu = sum.MilliCpu;
                pod.Memory = sum.Memory;
            }
            else if (reader.ValueTextEquals("initContainers"u8))
            {
                // Init containers run one at a time: the pod needs the larger of their largest request and the sum of the others.
                reader.Read();
                var largest = new ContainerAsks(0, 0, Init: true);
                JsonFields.Objects(ref reader, ref largest, ContainerRequests);
                pod.Init = largest;
            }
            else if (reader.ValueTextEquals("affinity"u8))
            {
                reader.Read();
                pod.Terms = RequiredNodeTerms(ref reader, pool);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void Status(ref Utf8JsonReader reader, ref PodState pod)
    {
        var pool = pod.Pool;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("phase"u8))
            {
                reader.Read();
                pod.Phase = JsonFields.String(ref reader, pool);
            }
            else if (reader.ValueTextEquals("reason"u8))
            {
                reader.Read();
                pod.Reason = JsonFields.String(ref reader, pool);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                pod.Message = JsonFields.String(ref reader);
            }
            else if (reader.ValueTextEquals("conditions"u8))
            {
                reader.Read();
                (bool Found, string? Reason, string? Message, StringPool Pool) scheduled = (false, null, null, pool);
                JsonFields.Objects(ref reader, ref scheduled, NotScheduled);
                pod.ScheduledReason = scheduled.Reason;
                pod.ScheduledMessage = scheduled.Message;
            }
            else if (reader.ValueTextEquals("containerStatuses"u8))
            {
                reader.Read();
                var containers = new List<ContainerFacts>();
                (List<ContainerFacts> List, StringPool Pool) state = (containers, pool);
                JsonFields.Objects(ref reader, ref state, ContainerStatus);
                pod.Containers = containers;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void Toleration(ref Utf8JsonReader reader, ref (List<TolerationFacts> List, StringPool Pool) state)
    {
        string? key = null, op = null, value = null, effect = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("key"u8) ? 1 : reader.ValueTextEquals("operator"u8) ? 2 : reader.ValueTextEquals("value"u8) ? 3 : reader.ValueTextEquals("effect"u8) ? 4 : 0;
            reader.Read();
            var text = field == 0 ? SkipNull(ref reader) : JsonFields.String(ref reader, state.Pool);
            switch (field)
            {
                case 1: key = text; break;
                case 2: op = text; break;
                case 3: value = text; break;
                case 4: effect = text; break;
            }
        }

        state.List.Add(new TolerationFacts(key, op, value, effect));
    }

    private static void ContainerRequests(ref Utf8JsonReader reader, ref ContainerAsks requests)
    {
        long cpu = 0, memory = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resources"u8))
            {
                reader.Read();
                (cpu, memory) = ResourceRequests(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        requests = requests.Init
            ? requests with { MilliCpu = Math.Max(requests.MilliCpu, cpu), Memory = Math.Max(requests.Memory, memory) }
            : requests with { MilliCpu = requests.MilliCpu + cpu, Memory = requests.Memory + memory };
    }

    private static (long MilliCpu, long Memory) ResourceRequests(ref Utf8JsonReader reader)
    {
        long cpu = 0, memory = 0;
        if (!JsonFields.Enter(ref reader))
        {
            return (0, 0);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("requests"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (!JsonFields.Enter(ref reader))
            {
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var which = reader.ValueTextEquals("cpu"u8) ? 1 : reader.ValueTextEquals("memory"u8) ? 2 : 0;
                reader.Read();
                if (which == 0 || reader.TokenType != JsonTokenType.String)
                {
                    reader.Skip();
                    continue;
                }

                if (which == 1)
                {
                    cpu = Quantities.MilliCpu(ref reader);
                }
                else
                {
                    memory = Quantities.Bytes(ref reader);
                }
            }
        }

        return (cpu, memory);
    }

    /// <summary>spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.</summary>
    private static List<IReadOnlyList<NodeRequirement>>? RequiredNodeTerms(ref Utf8JsonReader reader, StringPool pool)
    {
        List<IReadOnlyList<NodeRequirement>>? terms = null;
        if (!JsonFields.Enter(ref reader))
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("nodeAffinity"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (!JsonFields.Enter(ref reader))
            {
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("requiredDuringSchedulingIgnoredDuringExecution"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                if (!JsonFields.Enter(ref reader))
                {
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isTerms = reader.ValueTextEquals("nodeSelectorTerms"u8);
                    reader.Read();
                    if (!isTerms)
                    {
                        reader.Skip();
                        continue;
                    }

                    terms = [];
                    (List<IReadOnlyList<NodeRequirement>> Terms, StringPool Pool) state = (terms, pool);
                    JsonFields.Objects(ref reader, ref state, Term);
                }
            }
        }

        return terms;
    }

    private static void Term(ref Utf8JsonReader reader, ref (List<IReadOnlyList<NodeRequirement>> Terms, StringPool Pool) state)
    {
        var requirements = new List<NodeRequirement>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var onField = reader.ValueTextEquals("matchFields"u8);
            var known = onField || reader.ValueTextEquals("matchExpressions"u8);
            reader.Read();
            if (!known)
            {
                reader.Skip();
                continue;
            }

            (List<NodeRequirement> List, StringPool Pool, bool OnField) each = (requirements, state.Pool, onField);
            JsonFields.Objects(ref reader, ref each, Requirement);
        }

        // The model's order: matchExpressions first, then matchFields, whatever order the JSON has.
        state.Terms.Add([.. requirements.Where(r => !r.OnField), .. requirements.Where(r => r.OnField)]);
    }

    private static void Requirement(ref Utf8JsonReader reader, ref (List<NodeRequirement> List, StringPool Pool, bool OnField) state)
    {
        string? key = null, op = null;
        IReadOnlyList<string> values = [];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("key"u8))
            {
                reader.Read();
                key = JsonFields.String(ref reader, state.Pool);
            }
            else if (reader.ValueTextEquals("operator"u8))
            {
                reader.Read();
                op = JsonFields.String(ref reader, state.Pool);
            }
            else if (reader.ValueTextEquals("values"u8))
            {
                reader.Read();
                values = JsonFields.Strings(ref reader, state.Pool);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        state.List.Add(new NodeRequirement(key ?? string.Empty, op ?? string.Empty, values, state.OnField));
    }

    private static void NotScheduled(ref Utf8JsonReader reader, ref (bool Found, string? Reason, string? Message, StringPool Pool) state)
    {
        string? type = null, status = null, reason = null, message = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("type"u8) ? 1 : reader.ValueTextEquals("status"u8) ? 2 : reader.ValueTextEquals("reason"u8) ? 3 : reader.ValueTextEquals("message"u8) ? 4 : 0;
            reader.Read();
            switch (field)
            {
                case 1: type = JsonFields.String(ref reader, state.Pool); break;
                case 2: status = JsonFields.String(ref reader, state.Pool); break;
                case 3: reason = JsonFields.String(ref reader, state.Pool); break;
                case 4: message = JsonFields.String(ref reader); break;
                default: reader.Skip(); break;
            }
        }

        // The first PodScheduled=False condition counts, as in the model mapping.
        if (!state.Found && type == "PodScheduled" && status == "False")
        {
            state = (true, reason, message, state.Pool);
        }
    }

    private static void ContainerStatus(ref Utf8JsonReader reader, ref (List<ContainerFacts> List, StringPool Pool) state)
    {
        string? name = null;
        var restarts = 0;
        var current = default(StateFacts);
        var last = default(StateFacts);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                name = JsonFields.String(ref reader, state.Pool);
            }
            else if (reader.ValueTextEquals("restartCount"u8))
            {
                reader.Read();
                restarts = JsonFields.Int(ref reader) ?? 0;
            }
            else if (reader.ValueTextEquals("state"u8))
            {
                reader.Read();
                current = ContainerState(ref reader, state.Pool);
            }
            else if (reader.ValueTextEquals("lastState"u8))
            {
                reader.Read();
                last = ContainerState(ref reader, state.Pool);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        state.List.Add(new ContainerFacts(name ?? string.Empty, restarts, current.WaitingReason, current.WaitingMessage, current.TerminatedReason, current.ExitCode,
            last.TerminatedReason, last.ExitCode, last.Finished));
    }

    /// <summary>A containerState: its waiting reason and message, its terminated reason, exit code and finish time.</summary>
    private static StateFacts ContainerState(ref Utf8JsonReader reader, StringPool pool)
    {
        var facts = default(StateFacts);
        if (!JsonFields.Enter(ref reader))
        {
            return facts;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var which = reader.ValueTextEquals("waiting"u8) ? 1 : reader.ValueTextEquals("terminated"u8) ? 2 : 0;
            reader.Read();
            if (which == 0 || !JsonFields.Enter(ref reader))
            {
                if (which == 0)
                {
                    reader.Skip();
                }

                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("reason"u8))
                {
                    reader.Read();
                    var reason = JsonFields.String(ref reader, pool);
                    facts = which == 1 ? facts with { WaitingReason = reason } : facts with { TerminatedReason = reason };
                }
                else if (which == 1 && reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    facts = facts with { WaitingMessage = JsonFields.String(ref reader) };
                }
                else if (which == 2 && reader.ValueTextEquals("exitCode"u8))
                {
                    reader.Read();
                    facts = facts with { ExitCode = JsonFields.Int(ref reader) };
                }
                else if (which == 2 && reader.ValueTextEquals("finishedAt"u8))
                {
                    reader.Read();
                    facts = facts with { Finished = JsonFields.Time(ref reader) };
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return facts;
    }

    private static string? SkipNull(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private record struct ContainerAsks(long MilliCpu, long Memory, bool Init);

    private record struct StateFacts(string? WaitingReason, string? WaitingMessage, string? TerminatedReason, int? ExitCode, DateTimeOffset? Finished);

    private struct PodState
    {
        public StringPool Pool;
        public string? Namespace;
        public string? Name;
        public DateTimeOffset? Created;
        public bool Terminating;
        public string? NodeName;
        public IReadOnlyDictionary<string, string>? NodeSelector;
        public List<TolerationFacts>? Tolerations;
        public long MilliCpu;
        public long Memory;
        public ContainerAsks? Init;
        public List<IReadOnlyList<NodeRequirement>>? Terms;
        public string? Phase;
        public string? Reason;
        public string? Message;
        public string? ScheduledReason;
        public string? ScheduledMessage;
        public List<ContainerFacts>? Containers;
    }
}
