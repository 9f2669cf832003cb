using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>Pods that cannot be scheduled, crash, cannot pull their image, run out of memory or pile up evicted; recent warnings (pure).</summary>
internal static class PodChecks
{
    private static readonly HashSet<string> ImagePullReasons = new(StringComparer.Ordinal) { "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull" };
    private static readonly HashSet<string> ConfigReasons = new(StringComparer.Ordinal) { "CreateContainerConfigError", "CreateContainerError", "RunContainerError" };

    /// <param name="inScope">Whether a pod's namespace is one the user asked about (-n); usage counts every pod regardless.</param>
    public static IEnumerable<Finding> Check(ClusterFacts facts, Func<string, bool> inScope, DateTimeOffset now)
    {
        var usage = PendingAnalysis.Usage(facts.Pods);
        foreach (var pod in facts.Pods.Where(p => inScope(p.Namespace) && !p.Terminating))
        {
            if (pod.Phase == "Pending" && pod.NodeName is null
                && (pod.ScheduledReason == "Unschedulable" || (pod.Created is { } created && now - created >= Thresholds.PendingGrace)))
            {
                yield return PendingAnalysis.Explain(pod, facts.Nodes, usage, now);
            }

            foreach (var container in pod.Containers)
            {
                foreach (var finding in Container(pod, container))
                {
                    yield return finding;
                }
            }
        }

        foreach (var group in facts.Pods.Where(p => inScope(p.Namespace) && p.Phase == "Failed").GroupBy(p => (p.Namespace, Evicted: p.Reason == "Evicted")))
        {
            yield return Failed(group.Key.Namespace, group.Key.Evicted, [.. group]);
        }

        foreach (var finding in Events(facts.Events.Where(e => e.Namespace is null || inScope(e.Namespace)), now))
        {
            yield return finding;
        }
    }

    private static IEnumerable<Finding> Container(PodFacts pod, ContainerFacts c)
    {
        var target = new ObjectRef("Pod", pod.Namespace, pod.Name);
        var where = $"container {c.Name}";
        var last = c.LastTerminatedReason is null ? null : $"last terminated: reason={c.LastTerminatedReason} exit code {c.LastExitCode} at {Ages.Stamp(c.LastFinished)}";
        if (c.WaitingReason == "CrashLoopBackOff")
        {
            var exit = c.LastExitCode is { } code ? $"exit code {code}{(c.LastTerminatedReason is { } r ? $" ({r})" : string.Empty)}" : "an unknown exit code";
            yield return new Finding(CheckIds.PodCrashLoop, Severity.Warning, target, $"{where} is in CrashLoopBackOff (restarted {c.RestartCount} times)",
                $"the container exits soon after it starts, last with {exit}: a failing command, bad configuration or an unreachable dependency",
                Lines($"waiting: CrashLoopBackOff {c.WaitingMessage}", $"restarts: {c.RestartCount}", last),
                $"kubectl logs -n {pod.Namespace} {pod.Name} -c {c.Name} --previous; kubectl describe pod -n {pod.Namespace} {pod.Name}; fix the command, configuration or dependency");
        }
        else if (c.WaitingReason is { } waiting && ImagePullReasons.Contains(waiting))
        {
            yield return new Finding(CheckIds.PodImagePull, Severity.Warning, target, $"{where} cannot pull its image ({waiting})",
                "the image cannot be pulled: a wrong name or tag, a private registry without imagePullSecrets, or the registry unreachable from the node",
                Lines($"waiting: {waiting} {c.WaitingMessage}", pod.NodeName is null ? null : $"node: {pod.NodeName}"),
                $"check the image name and tag (kubectl describe pod -n {pod.Namespace} {pod.Name}), the pod's imagePullSecrets, and that the node reaches the registry (crictl pull IMAGE on the node)");
        }
        else if (c.WaitingReason is { } config && ConfigReasons.Contains(config))
        {
            yield return new Finding(CheckIds.PodContainerConfig, Severity.Warning, target, $"{where} cannot be created ({config})",
                "the container's configuration refers to something missing (a ConfigMap, Secret or key) or is invalid", Lines($"waiting: {config} {c.WaitingMessage}"),
                $"kubectl describe pod -n {pod.Namespace} {pod.Name}; create the missing ConfigMap or Secret, or fix the reference");
        }

        if (c.LastTerminatedReason == "OOMKilled" || c.TerminatedReason == "OOMKilled")
        {
            yield return new Finding(CheckIds.PodOomKilled, Severity.Warning, target, $"{where} was OOMKilled",
                "the container used more memory than its limit and the kernel killed it (exit code 137)",
                Lines(last ?? $"terminated: reason=OOMKilled exit code {c.TerminatedExitCode}", $"restarts: {c.RestartCount}"),
                $"raise the container's memory limit, or find the leak (kubectl top pod -n {pod.Namespace} {pod.Name} --containers)");
        }
    }

    private static Finding Failed(string ns, bool evicted, IReadOnlyList<PodFacts> pods)
    {
        var examples = pods.Take(5).Select(p => $"pod {p.Name}{(p.NodeName is null ? string.Empty : $" on {p.NodeName}")}: {p.Message ?? p.Reason ?? "Failed"}").ToList();
        return evicted
            ? new Finding(CheckIds.PodEvicted, pods.Count >= Thresholds.EvictedPileUp ? Severity.Warning : Severity.Info, new ObjectRef("Namespace", null, ns),
                $"{pods.Count} evicted pod(s) left in namespace {ns}",
                "the kubelet evicted them under node pressure (memory, disk or PIDs); evicted pods stay until deleted", examples,
                $"find the pressure (pitcrew doctor nodes), then clean up: kubectl delete pods -n {ns} --field-selector=status.phase=Failed")
            : new Finding(CheckIds.PodFailed, Severity.Info, new ObjectRef("Namespace", null, ns), $"{pods.Count} failed pod(s) left in namespace {ns}",
                "pods that ended in Failed stay until their owner or someone deletes them", examples,
                $"kubectl describe the pods for the reason; kubectl delete pods -n {ns} --field-selector=status.phase=Failed");
    }

    private static IEnumerable<Finding> Events(IEnumerable<EventFacts> events, DateTimeOffset now)
    {
        var groups = events.Where(e => e.LastSeen is null || now - e.LastSeen <= Thresholds.RecentEvents)
            .GroupBy(e => (e.Reason, e.Kind, e.Namespace, e.Name))
            .Select(g => (g.Key, Count: g.Sum(e => Math.Max(1, e.Count)), Last: g.Max(e => e.LastSeen), Message: g.OrderByDescending(e => e.LastSeen).First().Message))
            .OrderByDescending(g => g.Count).ThenBy(g => g.Key.Reason, StringComparer.Ordinal).ToList();
        foreach (var (key, count, lastSeen, message) in groups.Take(Thresholds.MaxEventGroups))
        {
            yield return new Finding(CheckIds.EventWarning, Severity.Info, new ObjectRef(key.Kind, key.Namespace, key.Name), $"{count}x Warning {key.Reason}",
                "reported by a cluster component in the last hour", [$"last {Ages.Since(lastSeen, now)}: {message}"],
                $"kubectl get events -n {key.Namespace ?? "default"} --field-selector involvedObject.name={key.Name} --sort-by=.lastTimestamp");
        }

        if (groups.Count > Thresholds.MaxEventGroups)
        {
            yield return new Finding(CheckIds.EventWarning, Severity.Info, new ObjectRef("Event", null, "others"),
                $"{groups.Count - Thresholds.MaxEventGroups} more groups of Warning events", "many components report warnings", [],
                "kubectl get events -A --field-selector type=Warning --sort-by=.lastTimestamp");
        }
    }

    private static List<string> Lines(params string?[] lines) => [.. lines.Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => l!.Trim())];
}
