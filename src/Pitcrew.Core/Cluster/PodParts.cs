using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>The tables of the arrays inside a pod (owners, tolerations, volumes, containers, affinity terms, conditions, container statuses), for <see cref="PodReader"/>.</summary>
internal static class PodParts
{
    public static readonly JsonTable<FieldSlots> Owner = FieldSlots.Strings("apiVersion", "kind", "name")
        .With("controller", static (ref Utf8JsonReader r, ref FieldSlots s) => s.Flag = JsonFields.Bool(ref r));

    public static readonly JsonTable<FieldSlots> Toleration = FieldSlots.Strings("key", "operator", "value", "effect");

    public static readonly JsonTable<FieldSlots> Condition = FieldSlots.Strings("type", "status", "reason", "message");

    /// <summary>A volume: whether it is an emptyDir.</summary>
    public static readonly JsonTable<bool> Volume = new()
    {
        {
            "emptyDir", static (ref Utf8JsonReader r, ref bool emptyDir) =>
            {
                emptyDir = r.TokenType != JsonTokenType.Null;
                r.Skip();
            }
        },
    };

    /// <summary>A container's resource requests.</summary>
    public static readonly JsonTable<Capacity> Requests = new()
    {
        { "resources.requests.cpu", static (ref Utf8JsonReader r, ref Capacity s) => s = s with { CpuMillis = JsonFields.MilliCpu(ref r) } },
        { "resources.requests.memory", static (ref Utf8JsonReader r, ref Capacity s) => s = s with { MemoryBytes = JsonFields.Bytes(ref r) } },
    };

    public static readonly JsonTable<FieldSlots> Requirement = FieldSlots.Strings("key", "operator")
        .With("values", static (ref Utf8JsonReader r, ref FieldSlots s) => s.Values = JsonFields.Strings(ref r, s.Pool));

    /// <summary>A nodeSelectorTerm: its matchExpressions and matchFields.</summary>
    public static readonly JsonTable<TermState> Term = new()
    {
        { "matchExpressions", static (ref Utf8JsonReader r, ref TermState s) => Requirement.Each(ref r, ref s, new FieldSlots { Pool = s.Pool }, AddRequirement) },
        { "matchFields", static (ref Utf8JsonReader r, ref TermState s) => Requirement.Each(ref r, ref s, new FieldSlots { Pool = s.Pool, Flag = true }, AddRequirement) },
    };

    public static readonly JsonTable<StatusState> Status = new()
    {
        { "name", static (ref Utf8JsonReader r, ref StatusState s) => s.Name = JsonFields.String(ref r, s.Pool) },
        { "restartCount", static (ref Utf8JsonReader r, ref StatusState s) => s.Restarts = JsonFields.Int(ref r) ?? 0 },
        { "state.waiting.reason", static (ref Utf8JsonReader r, ref StatusState s) => s.WaitingReason = JsonFields.String(ref r, s.Pool) },
        { "state.waiting.message", static (ref Utf8JsonReader r, ref StatusState s) => s.WaitingMessage = JsonFields.String(ref r) },
        { "state.terminated.reason", static (ref Utf8JsonReader r, ref StatusState s) => s.TerminatedReason = JsonFields.String(ref r, s.Pool) },
        { "state.terminated.exitCode", static (ref Utf8JsonReader r, ref StatusState s) => s.ExitCode = JsonFields.Int(ref r) },
        { "lastState.terminated.reason", static (ref Utf8JsonReader r, ref StatusState s) => s.LastReason = JsonFields.String(ref r, s.Pool) },
        { "lastState.terminated.exitCode", static (ref Utf8JsonReader r, ref StatusState s) => s.LastExitCode = JsonFields.Int(ref r) },
        { "lastState.terminated.finishedAt", static (ref Utf8JsonReader r, ref StatusState s) => s.LastFinished = JsonFields.Time(ref r) },
    };

    /// <summary>The first owner with controller: true.</summary>
    public static void AddOwner(ref PodState pod, ref FieldSlots owner)
    {
        if (pod.Controller is null && owner.Flag)
        {
            pod.Controller = new Controller(owner.First ?? string.Empty, owner.Second ?? string.Empty, owner.Third ?? string.Empty);
        }
    }

    public static void AddToleration(ref PodState pod, ref FieldSlots t) => (pod.Tolerations ??= []).Add(new TolerationFacts(t.First, t.Second, t.Third, t.Fourth));

    public static void AddVolume(ref PodState pod, ref bool emptyDir) => pod.HasEmptyDir |= emptyDir;

    public static void AddContainer(ref PodState pod, ref Capacity requests) => pod.Requests += requests;

    /// <summary>Init containers run one at a time: the largest of each.</summary>
    public static void AddInitContainer(ref PodState pod, ref Capacity requests) =>
        pod.InitRequests = new Capacity(Math.Max(pod.InitRequests.CpuMillis, requests.CpuMillis), Math.Max(pod.InitRequests.MemoryBytes, requests.MemoryBytes), 0);

    /// <summary>Ready when any Ready condition is True; the first PodScheduled=False condition gives the scheduler's reason.</summary>
    public static void AddCondition(ref PodState pod, ref FieldSlots c)
    {
        pod.Ready |= c is { First: "Ready", Second: "True" };
        if (!pod.Scheduled && c is { First: "PodScheduled", Second: "False" })
        {
            (pod.Scheduled, pod.ScheduledReason, pod.ScheduledMessage) = (true, c.Third, c.Fourth);
        }
    }

    /// <summary>The model's order: matchExpressions first, then matchFields, whatever order the JSON has.</summary>
    public static void AddTerm(ref PodState pod, ref TermState term)
    {
        var requirements = term.Requirements ?? [];
        pod.Terms!.Add([.. requirements.Where(r => !r.OnField), .. requirements.Where(r => r.OnField)]);
    }

    public static void AddStatus(ref PodState pod, ref StatusState s) =>
        (pod.Containers ??= []).Add(new ContainerFacts(s.Name ?? string.Empty, s.Restarts, s.WaitingReason, s.WaitingMessage, s.TerminatedReason, s.ExitCode,
            s.LastReason, s.LastExitCode, s.LastFinished));

    private static void AddRequirement(ref TermState term, ref FieldSlots r) =>
        (term.Requirements ??= []).Add(new NodeRequirement(r.First ?? string.Empty, r.Second ?? string.Empty, r.Values ?? [], r.Flag));

    internal struct TermState
    {
        public StringPool Pool;
        public List<NodeRequirement>? Requirements;
    }

    internal struct StatusState
    {
        public StringPool Pool;
        public string? Name;
        public int Restarts;
        public string? WaitingReason;
        public string? WaitingMessage;
        public string? TerminatedReason;
        public int? ExitCode;
        public string? LastReason;
        public int? LastExitCode;
        public DateTimeOffset? LastFinished;
    }
}
