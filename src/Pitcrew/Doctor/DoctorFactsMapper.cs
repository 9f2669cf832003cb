using k8s.Models;

namespace Pitcrew.Doctor;

/// <summary>Reads the facts the checks need out of the official client's models, keeping nothing else (memory at 150,000 pods).</summary>
internal static class DoctorFactsMapper
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public static DoctorNode Node(V1Node node)
    {
        var allocatable = node.Status?.Allocatable;
        return new DoctorNode(
            node.Metadata.Name,
            node.Spec?.Unschedulable ?? false,
            Copy(node.Metadata.Labels),
            Copy(node.Metadata.Annotations),
            [.. (node.Spec?.Taints ?? []).Select(t => new TaintFacts(t.Key, t.Value, t.Effect, Time(t.TimeAdded)))],
            [.. (node.Status?.Conditions ?? []).Select(c => new ConditionFacts(c.Type, c.Status, c.Reason, c.Message, Time(c.LastHeartbeatTime), Time(c.LastTransitionTime)))],
            node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address,
            node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port is { } port and > 0 ? port : 10250,
            node.Status?.NodeInfo?.KubeletVersion,
            MilliCpu(Q(allocatable, "cpu")),
            Bytes(Q(allocatable, "memory")),
            Bytes(Q(allocatable, "pods")),
            Time(node.Metadata.CreationTimestamp));
    }

    public static DoctorPod Pod(V1Pod pod)
    {
        long cpu = 0, memory = 0;
        foreach (var container in pod.Spec?.Containers ?? [])
        {
            cpu += MilliCpu(Q(container.Resources?.Requests, "cpu"));
            memory += Bytes(Q(container.Resources?.Requests, "memory"));
        }

        // Init containers run one at a time: the pod needs the larger of their largest request and the sum of the others.
        foreach (var init in pod.Spec?.InitContainers ?? [])
        {
            cpu = Math.Max(cpu, MilliCpu(Q(init.Resources?.Requests, "cpu")));
            memory = Math.Max(memory, Bytes(Q(init.Resources?.Requests, "memory")));
        }

        var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [];
        return new DoctorPod(
            pod.Metadata.NamespaceProperty ?? "default",
            pod.Metadata.Name,
            pod.Status?.Phase ?? "Pending",
            pod.Status?.Reason,
            pod.Status?.Message,
            pod.Spec?.NodeName,
            pod.Metadata.DeletionTimestamp is not null,
            Copy(pod.Spec?.NodeSelector),
            [.. terms.Select(t => (IReadOnlyList<NodeRequirement>)[
                .. (t.MatchExpressions ?? []).Select(e => new NodeRequirement(e.Key, e.OperatorProperty, [.. e.Values ?? []])),
                .. (t.MatchFields ?? []).Select(e => new NodeRequirement(e.Key, e.OperatorProperty, [.. e.Values ?? []], OnField: true))])],
            [.. (pod.Spec?.Tolerations ?? []).Select(t => new TolerationFacts(t.Key, t.OperatorProperty, t.Value, t.Effect))],
            cpu,
            memory,
            scheduled?.Reason,
            scheduled?.Message,
            [.. (pod.Status?.ContainerStatuses ?? []).Select(Container)],
            Time(pod.Metadata.CreationTimestamp));
    }

    public static EventFacts Event(Corev1Event e) => new(
        e.InvolvedObject?.NamespaceProperty ?? e.Metadata.NamespaceProperty,
        e.InvolvedObject?.Kind ?? "Unknown",
        e.InvolvedObject?.Name ?? e.Metadata.Name,
        e.Reason ?? string.Empty,
        e.Message ?? string.Empty,
        e.Count ?? e.Series?.Count ?? 1,
        Time(e.LastTimestamp) ?? Time(e.EventTime) ?? Time(e.Metadata.CreationTimestamp));

    private static ContainerFacts Container(V1ContainerStatus s) => new(
        s.Name,
        s.RestartCount,
        s.State?.Waiting?.Reason,
        s.State?.Waiting?.Message,
        s.State?.Terminated?.Reason,
        s.State?.Terminated?.ExitCode,
        s.LastState?.Terminated?.Reason,
        s.LastState?.Terminated?.ExitCode,
        Time(s.LastState?.Terminated?.FinishedAt));

    public static ResourceQuantity? Q(IDictionary<string, ResourceQuantity>? quantities, string name) =>
        quantities is not null && quantities.TryGetValue(name, out var quantity) ? quantity : null;

    public static DateTimeOffset? Time(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

    public static long MilliCpu(ResourceQuantity? quantity) => quantity is null ? 0 : (long)Math.Ceiling(quantity.ToDecimal() * 1000);

    public static long Bytes(ResourceQuantity? quantity) => quantity is null ? 0 : (long)Math.Ceiling(quantity.ToDecimal());

    private static IReadOnlyDictionary<string, string> Copy(IDictionary<string, string>? source) =>
        source is null || source.Count == 0 ? Empty : new Dictionary<string, string>(source, StringComparer.Ordinal);
}
