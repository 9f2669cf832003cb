using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

/// <summary>Typed builders for doctor facts: nodes as the kubelet reports them healthy, pods as the scheduler sees them.</summary>
internal static class Cluster
{
    public static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] Pressures = ["MemoryPressure", "DiskPressure", "PIDPressure"];

    public static DoctorNode Node(string name, string? kubeletVersion = "v1.31.2") => new(
        name,
        false,
        new Dictionary<string, string> { ["kubernetes.io/hostname"] = name },
        new Dictionary<string, string>(),
        [],
        [.. Pressures.Select(p => new ConditionFacts(p, "False", "KubeletHasNo" + p, "ok", Now.AddSeconds(-10), Now.AddDays(-1))),
            new ConditionFacts("Ready", "True", "KubeletReady", "kubelet is posting ready status", Now.AddSeconds(-10), Now.AddDays(-1))],
        "10.0.0.1",
        10250,
        kubeletVersion,
        4000,
        16L << 30,
        110,
        Now.AddDays(-30));

    public static DoctorNode With(this DoctorNode node, string type, string status, string? reason = null, string? message = null, DateTimeOffset? heartbeat = null) =>
        node with
        {
            Conditions = [.. node.Conditions.Where(c => c.Type != type), new ConditionFacts(type, status, reason, message, heartbeat ?? Now.AddSeconds(-10), Now.AddMinutes(-5))],
        };

    public static DoctorNode Tainted(this DoctorNode node, string key, string effect = "NoSchedule", string? value = null, DateTimeOffset? added = null) =>
        node with { Taints = [.. node.Taints, new TaintFacts(key, value, effect, added)] };

    public static DoctorNode Labelled(this DoctorNode node, string key, string value) =>
        node with { Labels = new Dictionary<string, string>(node.Labels) { [key] = value } };

    public static DoctorPod Pod(string name, string? node = null, string phase = "Running", long cpu = 0, long memory = 0) => new(
        "shop", name, phase, null, null, node, false, new Dictionary<string, string>(), [], [], cpu, memory, null, null, [], Now.AddMinutes(-10));

    public static DoctorPod Pending(string name, long cpu = 0, long memory = 0) =>
        Pod(name, null, "Pending", cpu, memory) with { ScheduledReason = "Unschedulable" };

    public static DoctorPod Selecting(this DoctorPod pod, string key, string value) =>
        pod with { NodeSelector = new Dictionary<string, string>(pod.NodeSelector) { [key] = value } };

    public static DoctorPod Tolerating(this DoctorPod pod, string key, string? op = "Exists") =>
        pod with { Tolerations = [.. pod.Tolerations, new TolerationFacts(key, op, null, null)] };

    public static DoctorPod WithContainer(this DoctorPod pod, ContainerFacts container) => pod with { Containers = [.. pod.Containers, container] };

    public static ContainerFacts Container(string name = "app", int restarts = 0, string? waiting = null, string? lastReason = null, int? lastExit = null) =>
        new(name, restarts, waiting, null, null, null, lastReason, lastExit, lastReason is null ? null : Now.AddMinutes(-1));

    public static ClusterFacts Facts(IReadOnlyList<DoctorNode> nodes, IReadOnlyList<DoctorPod>? pods = null, IReadOnlyList<NodeUsage>? usage = null,
        string? server = "v1.31.2", IReadOnlyList<EventFacts>? events = null) =>
        new(nodes, nodes.ToDictionary(n => n.Name, _ => (DateTimeOffset?)Now.AddSeconds(-5)), pods ?? [], events ?? [], usage, server);
}
