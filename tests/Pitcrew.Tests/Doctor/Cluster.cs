using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

/// <summary>Typed builders for doctor facts: nodes as the kubelet reports them healthy, pods as the scheduler sees them.</summary>
internal static class Cluster
{
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Pressures = ["MemoryPressure", "DiskPressure", "PIDPressure"];

    public static NodeFacts Node(string name, string? kubeletVersion = "v1.31.2") => new(
        name,
        false,
        true,
        new Dictionary<string, string> { ["kubernetes.io/hostname"] = name },
        new Dictionary<string, string>(),
        new Capacity(4000, 16L << 30, 110))
    {
        Conditions = [.. Pressures.Select(p => new ConditionFacts(p, "False", "KubeletHasNo" + p, "ok", Now.AddSeconds(-10), Now.AddDays(-1))),
            new ConditionFacts("Ready", "True", "KubeletReady", "kubelet is posting ready status", Now.AddSeconds(-10), Now.AddDays(-1))],
        InternalIp = "10.0.0.1",
        KubeletPort = 10250,
        KubeletVersion = kubeletVersion,
        Created = Now.AddDays(-30),
    };

    public static NodeFacts With(this NodeFacts node, string type, string status, string? reason = null, string? message = null, DateTimeOffset? heartbeat = null) =>
        node with
        {
            Conditions = [.. node.Conditions.Where(c => c.Type != type), new ConditionFacts(type, status, reason, message, heartbeat ?? Now.AddSeconds(-10), Now.AddMinutes(-5))],
        };

    public static NodeFacts Tainted(this NodeFacts node, string key, string effect = "NoSchedule", string? value = null, DateTimeOffset? added = null) =>
        node with { Taints = [.. node.Taints, new TaintFacts(key, value, effect, added)] };

    public static NodeFacts Labelled(this NodeFacts node, string key, string value) =>
        node with { Labels = new Dictionary<string, string>(node.Labels) { [key] = value } };

    public static PodFacts Pod(string name, string? node = null, string phase = "Running", long cpu = 0, long memory = 0) => new(
        "shop", name, string.Empty, node, phase, null, false, false, null, new Dictionary<string, string>(), 0, false, new Capacity(cpu, memory, 1))
    {
        RequestMilliCpu = cpu,
        RequestMemory = memory,
        Created = Now.AddMinutes(-10),
    };

    public static PodFacts Pending(string name, long cpu = 0, long memory = 0) =>
        Pod(name, null, "Pending", cpu, memory) with { ScheduledReason = "Unschedulable" };

    public static PodFacts Selecting(this PodFacts pod, string key, string value) =>
        pod with { NodeSelector = new Dictionary<string, string>(pod.NodeSelector) { [key] = value } };

    public static PodFacts Tolerating(this PodFacts pod, string key, string? op = "Exists") =>
        pod with { Tolerations = [.. pod.Tolerations, new TolerationFacts(key, op, null, null)] };

    public static PodFacts WithContainer(this PodFacts pod, ContainerFacts container) => pod with { Containers = [.. pod.Containers, container] };

    public static ContainerFacts Container(string name = "app", int restarts = 0, string? waiting = null, string? lastReason = null, int? lastExit = null) =>
        new(name, restarts, waiting, null, null, null, lastReason, lastExit, lastReason is null ? null : Now.AddMinutes(-1));

    public static ClusterFacts Facts(IReadOnlyList<NodeFacts> nodes, IReadOnlyList<PodFacts>? pods = null, IReadOnlyList<NodeUsage>? usage = null,
        string? server = "v1.31.2", IReadOnlyList<EventFacts>? events = null) =>
        new(nodes, nodes.ToDictionary(n => n.Name, _ => (DateTimeOffset?)Now.AddSeconds(-5)), pods ?? [], events ?? [], usage, server);
}
