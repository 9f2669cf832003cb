using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>
/// Why an unscheduled pod fits no node, computed client-side by re-running the scheduler's filters in its order
/// (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit) over every node (pure).
/// </summary>
internal static class PendingAnalysis
{
    public const string Unschedulable = "node(s) were unschedulable";
    public const string AffinityMismatch = "node(s) didn't match Pod's node affinity/selector";
    public const string TooManyPods = "Too many pods";
    public const string InsufficientCpu = "Insufficient cpu";
    public const string InsufficientMemory = "Insufficient memory";

    /// <summary>What is used on each node: requests summed and pods counted over the pods bound and not finished.</summary>
    public static IReadOnlyDictionary<string, (long MilliCpu, long Memory, int Pods)> Usage(IEnumerable<PodFacts> pods)
    {
        var used = new Dictionary<string, (long, long, int)>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => p.Occupies))
        {
            var (cpu, memory, count) = used.GetValueOrDefault(pod.NodeName!);
            used[pod.NodeName!] = (cpu + pod.RequestMilliCpu, memory + pod.RequestMemory, count + 1);
        }

        return used;
    }

    /// <summary>
    /// Every reason a node refuses the pod, in the scheduler's filter order (the first is the one kube-scheduler names); empty when it fits.
    /// </summary>
    public static IReadOnlyList<string> Reasons(PodFacts pod, NodeFacts node, (long MilliCpu, long Memory, int Pods) used)
    {
        var reasons = new List<string>();
        if (node.Unschedulable && !Scheduling.Tolerates(pod.Tolerations, new TaintFacts(Scheduling.UnschedulableTaint, null, "NoSchedule", null)))
        {
            reasons.Add(Unschedulable);
        }

        if (Scheduling.Untolerated(node, pod.Tolerations) is { } taint)
        {
            reasons.Add($"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}");
        }

        if (!Scheduling.MatchesSelectorAndAffinity(pod, node))
        {
            reasons.Add(AffinityMismatch);
        }

        if (used.Pods + 1 > node.AllocatablePods)
        {
            reasons.Add(TooManyPods);
        }

        if (pod.RequestMilliCpu > 0 && used.MilliCpu + pod.RequestMilliCpu > node.AllocatableMilliCpu)
        {
            reasons.Add(InsufficientCpu);
        }

        if (pod.RequestMemory > 0 && used.Memory + pod.RequestMemory > node.AllocatableMemory)
        {
            reasons.Add(InsufficientMemory);
        }

        return reasons;
    }

    public static Finding Explain(PodFacts pod, IReadOnlyList<NodeFacts> nodes, IReadOnlyDictionary<string, (long MilliCpu, long Memory, int Pods)> usage, DateTimeOffset now)
    {
        var histogram = new Dictionary<string, int>(StringComparer.Ordinal);
        var intended = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = new List<string>();
        var fitting = new List<string>();
        foreach (var node in nodes)
        {
            var used = usage.GetValueOrDefault(node.Name);
            var reasons = Reasons(pod, node, used);
            if (reasons.Count == 0)
            {
                fitting.Add(node.Name);
                continue;
            }

            // The summary counts each node once, under the first filter that refuses it, as kube-scheduler does; the cause weighs them all.
            var first = reasons[0] is Unschedulable or AffinityMismatch || reasons[0].StartsWith("node(s) had", StringComparison.Ordinal)
                ? reasons.Take(1)
                : reasons;
            foreach (var reason in first)
            {
                histogram[reason] = histogram.GetValueOrDefault(reason) + 1;
            }

            // The pod's selector and required affinity say where it is meant to run: among those nodes, what blocks it is the cause.
            if (!reasons.Contains(AffinityMismatch))
            {
                foreach (var reason in reasons)
                {
                    intended[reason] = intended.GetValueOrDefault(reason) + 1;
                }
            }

            if (lines.Count < Thresholds.MaxNodeLines)
            {
                lines.Add($"node {node.Name}: {string.Join(", ", reasons)}{Detail(pod, node, used, reasons)}");
            }
        }

        var summary = $"0/{nodes.Count} nodes are available: {string.Join(", ", histogram.Select(h => $"{h.Value} {h.Key}").Order(StringComparer.Ordinal))}.";
        var evidence = new List<string> { $"computed: {(fitting.Count == 0 ? summary : $"{fitting.Count}/{nodes.Count} nodes fit ({string.Join(", ", fitting.Take(5))}{(fitting.Count > 5 ? ", ..." : string.Empty)})")}" };
        if (pod.ScheduledMessage is { Length: > 0 } said)
        {
            evidence.Add($"scheduler: {said}");
        }

        evidence.Add($"requests: cpu {Ages.Cpu(pod.RequestMilliCpu)}, memory {Ages.Bytes(pod.RequestMemory)}; pending {Ages.Since(pod.Created, now)}");
        evidence.AddRange(lines);
        if (nodes.Count - fitting.Count > lines.Count)
        {
            evidence.Add($"... and {nodes.Count - fitting.Count - lines.Count} more nodes");
        }

        var (cause, remedy) = fitting.Count > 0 ? (
                "every check the doctor can make passes on some node (taints, selector and affinity, cpu, memory, pod count): another constraint holds it " +
                "(pod affinity or anti-affinity, topology spread, volumes, host ports) or no scheduler has seen it yet (spec.schedulerName)",
                $"kubectl describe pod -n {pod.Namespace} {pod.Name}; read the FailedScheduling events")
            : nodes.Count == 0 ? ("the cluster has no nodes", "join nodes to the cluster (kubeadm join)")
            : CauseOf(intended.Count == 0 ? new Dictionary<string, int> { [AffinityMismatch] = 1 } : intended);
        return new Finding(CheckIds.PodPending, Severity.Warning, new ObjectRef("Pod", pod.Namespace, pod.Name),
            fitting.Count == 0 ? $"Pending: {summary}" : "Pending although nodes fit", cause, evidence, remedy);
    }

    /// <summary>Among equally common reasons, the one a user most likely has to fix in the pod comes first.</summary>
    private static int Priority(string reason) => reason switch
    {
        AffinityMismatch => 0,
        InsufficientCpu or InsufficientMemory or TooManyPods => 1,
        Unschedulable => 3,
        _ => 2,
    };

    private static string Detail(PodFacts pod, NodeFacts node, (long MilliCpu, long Memory, int Pods) used, IReadOnlyList<string> reasons)
    {
        var parts = new List<string>();
        if (reasons.Contains(InsufficientCpu))
        {
            parts.Add($"cpu requested {Ages.Cpu(pod.RequestMilliCpu)}, free {Ages.Cpu(Math.Max(0, node.AllocatableMilliCpu - used.MilliCpu))} of {Ages.Cpu(node.AllocatableMilliCpu)}");
        }

        if (reasons.Contains(InsufficientMemory))
        {
            parts.Add($"memory requested {Ages.Bytes(pod.RequestMemory)}, free {Ages.Bytes(Math.Max(0, node.AllocatableMemory - used.Memory))} of {Ages.Bytes(node.AllocatableMemory)}");
        }

        if (reasons.Contains(TooManyPods))
        {
            parts.Add($"{used.Pods} of {node.AllocatablePods} pods");
        }

        return parts.Count == 0 ? string.Empty : $" ({string.Join("; ", parts)})";
    }

    /// <summary>
    /// The cause and remedy of the reason that rules out the most of the nodes the pod's selector and affinity allow (a selector
    /// no node matches is the cause itself), per the seed: lacking resources, check the node selector.
    /// </summary>
    private static (string Cause, string Remedy) CauseOf(Dictionary<string, int> reasons)
    {
        var top = reasons.OrderByDescending(h => h.Value).ThenBy(h => Priority(h.Key)).ThenBy(h => h.Key, StringComparer.Ordinal).First().Key;
        return top switch
        {
            InsufficientCpu or InsufficientMemory => ("not enough free resources: the pod's requests exceed what any node has left of its allocatable",
                "lower the pod's requests, free capacity (scale down or remove other workloads), or add nodes"),
            TooManyPods => ("the nodes hold as many pods as they allow (allocatable pods)", "add nodes, or raise the kubelet's maxPods"),
            AffinityMismatch => ("no node carries the labels the pod's nodeSelector or required node affinity asks for",
                "check the pod's nodeSelector and affinity, or label a node to match (kubectl label node NODE key=value)"),
            Unschedulable => ("the nodes that would fit are cordoned", "uncordon a node (kubectl uncordon NODE) when its maintenance is done"),
            _ => ($"the pod does not tolerate a taint the nodes carry ({top.Replace("node(s) had untolerated taint ", string.Empty, StringComparison.Ordinal)})",
                "add a matching toleration to the pod, or remove the taint if it is left over (kubectl taint node NODE KEY-)"),
        };
    }
}
