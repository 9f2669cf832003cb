using Pitcrew.Cluster;

namespace Pitcrew.Doctor;

/// <summary>Node health from conditions, lease, taints, cordon, usage, version and reachability (pure).</summary>
internal static class NodeChecks
{
    private static readonly string[] Pressures = ["DiskPressure", "MemoryPressure", "PIDPressure"];
    private static readonly HashSet<string> BuiltIn = new(StringComparer.Ordinal) { "Ready", "DiskPressure", "MemoryPressure", "PIDPressure", "NetworkUnavailable" };

    public static IEnumerable<Finding> Check(ClusterFacts facts, IReadOnlyDictionary<string, ProbeResult> kubeletProbes, DateTimeOffset now)
    {
        var usage = facts.Usage?.ToDictionary(u => u.Node, StringComparer.Ordinal);
        var tolerationsInUse = facts.Pods.Where(p => p.Occupies || p.Phase == "Pending").Select(p => p.Tolerations).ToList();
        foreach (var node in facts.Nodes)
        {
            var probe = kubeletProbes.GetValueOrDefault(node.Name);
            var lease = facts.Leases.TryGetValue(node.Name, out var renewed) ? renewed : null;
            var ready = node.Condition("Ready");
            if (ready is null || ready.Status != "True")
            {
                yield return NotReady(node, ready, lease, probe, now);
            }
            else if (probe is { Outcome: not ProbeOutcome.Open })
            {
                yield return PortUnreachable(node, probe);
            }

            var silent = ready?.Status == "Unknown";
            foreach (var finding in Conditions(node, usage?.GetValueOrDefault(node.Name), silent, now))
            {
                yield return finding;
            }

            if (node.Unschedulable)
            {
                yield return Cordoned(node, now);
            }

            foreach (var taint in node.Taints.Where(t => t.Effect is "NoSchedule" or "NoExecute" && !t.Key.StartsWith("node.kubernetes.io/", StringComparison.Ordinal)))
            {
                if (!tolerationsInUse.Any(t => Scheduling.Tolerates(t, taint)))
                {
                    yield return new Finding(CheckIds.NodeTaintUntolerated, Severity.Info, Ref(node), $"taint {taint} is tolerated by no pod",
                        "no running or pending pod tolerates this taint, so nothing can run on the node", [$"taint {taint} added {Ages.Stamp(taint.Added)}"],
                        $"remove the taint if it is left over (kubectl taint node {node.Name} {taint.Key}:{taint.Effect}-), or add a toleration to the workloads meant for this node");
                }
            }

            if (usage?.GetValueOrDefault(node.Name) is { } used && Hot(node, used) is { } hot)
            {
                yield return hot;
            }

            if (Skew(node, facts.ServerVersion) is { } skew)
            {
                yield return skew;
            }
        }
    }

    private static Finding NotReady(NodeFacts node, ConditionFacts? ready, DateTimeOffset? lease, ProbeResult? probe, DateTimeOffset now)
    {
        var evidence = new List<string>
        {
            ready is null ? "no Ready condition" : $"Ready={ready.Status} reason={ready.Reason} message=\"{ready.Message}\" since {Ages.Stamp(ready.LastTransition)}",
            $"last heartbeat {Ages.Since(ready?.LastHeartbeat, now)}",
            $"lease renewed {Ages.Since(lease, now)}{(lease is { } l && now - l > Thresholds.LeaseStale ? $" (stale: over {Ages.Format(Thresholds.LeaseStale)})" : string.Empty)}",
        };
        if (probe is not null)
        {
            evidence.Add($"kubelet port {probe.Endpoint}: {Describe(probe)}");
        }

        string cause, remedy;
        if (ready?.Status == "False")
        {
            cause = $"the kubelet runs and reports the node not ready ({ready.Reason}: {ready.Message}): often the container runtime or the network plugin";
            remedy = $"on {node.Name}: systemctl status kubelet containerd; journalctl -u kubelet -n 50; restart the kubelet (systemctl restart kubelet) once the runtime or CNI is fixed";
        }
        else
        {
            (cause, remedy) = probe?.Outcome switch
            {
                ProbeOutcome.Refused => ("kubelet stopped: the node's address answers but nothing listens on the kubelet port",
                    $"on {node.Name}: systemctl status kubelet; journalctl -u kubelet -n 50; check its configuration and certificates, then systemctl restart kubelet"),
                ProbeOutcome.TimedOut => ("network cut: the node does not answer at all (down, or the network between it and the control plane is cut)",
                    $"check the node is up (ping {node.InternalIp}), its network and firewalls; if it is gone, drain it and delete the node"),
                ProbeOutcome.Open => ("the kubelet runs but cannot reach the API server (network between node and control plane, or its client credentials)",
                    $"on {node.Name}: journalctl -u kubelet -n 50 for connection or certificate errors; check the route to the API server; renew the kubelet's client certificate if expired"),
                _ => ("kubelet stopped or network cut: the kubelet stopped posting status",
                    $"restart the kubelet on {node.Name} (systemctl restart kubelet) and check the network to the node (nc -zv {node.InternalIp} 10250)"),
            };
        }

        return new Finding(CheckIds.NodeNotReady, Severity.Critical, Ref(node), $"node is NotReady (Ready={ready?.Status ?? "missing"})", cause, evidence, remedy);
    }

    private static Finding PortUnreachable(NodeFacts node, ProbeResult probe) => probe.Error == TlsProbe.HandshakeTimedOut
        ? new(CheckIds.NodeKubeletUnreachable, Severity.Warning, Ref(node), $"kubelet port {probe.Endpoint} accepts connections but does not complete a TLS handshake while the node is Ready",
            "the kubelet is overloaded or hung, or something else holds the port: kubectl logs, exec and metrics scrapes go through it",
            [$"{probe.Endpoint}: connected, no TLS handshake within {Ages.Format(probe.Took)} (tried twice)"],
            $"openssl s_client -connect {probe.Endpoint} from the control plane; on the node, check the kubelet's load and logs (journalctl -u kubelet)")
        : new(CheckIds.NodeKubeletUnreachable, Severity.Warning, Ref(node), $"kubelet port {probe.Endpoint} not reachable from here while the node is Ready",
            "a firewall or route between this machine and the node, or the kubelet listening elsewhere: kubectl logs, exec and metrics scrapes go through this port",
            [$"{probe.Endpoint}: {Describe(probe)}"], $"nc -zv {node.InternalIp} {node.KubeletPort} from the control plane; open TCP {node.KubeletPort} to the node");

    private static string Describe(ProbeResult probe) => probe.Outcome switch
    {
        ProbeOutcome.Open => "open",
        ProbeOutcome.Refused => "connection refused",
        ProbeOutcome.TimedOut => $"no answer within {Ages.Format(probe.Took)}",
        _ => "failed: " + probe.Error,
    };

    private static IEnumerable<Finding> Conditions(NodeFacts node, NodeUsage? usage, bool silent, DateTimeOffset now)
    {
        foreach (var condition in node.Conditions.Where(c => c.Type != "Ready"))
        {
            var evidence = $"{condition.Type}={condition.Status} reason={condition.Reason} message=\"{condition.Message}\" since {Ages.Stamp(condition.LastTransition)}";
            if (condition.Status == "Unknown")
            {
                if (!silent)
                {
                    yield return new Finding(CheckIds.NodeConditionUnknown, Severity.Warning, Ref(node), $"condition {condition.Type} is Unknown",
                        "whoever reports this condition (kubelet or node-problem-detector) stopped updating it", [evidence],
                        $"check the reporter on {node.Name} (kubelet, node-problem-detector pod)");
                }

                continue;
            }

            if (Pressures.Contains(condition.Type) && condition.Status == "True")
            {
                yield return Pressure(node, condition, usage, evidence);
            }
            else if (condition.Type == "NetworkUnavailable" && condition.Status == "True")
            {
                yield return new Finding(CheckIds.NodeNetworkUnavailable, Severity.Critical, Ref(node), "network is unavailable on the node (NetworkUnavailable)",
                    "the network plugin (CNI) has not configured the node's pod network", [evidence],
                    $"check the CNI pods on {node.Name} (kubectl get pods -A -o wide --field-selector spec.nodeName={node.Name}) and their logs");
            }
            else if (!BuiltIn.Contains(condition.Type))
            {
                foreach (var finding in ProblemCondition(node, condition, evidence, now))
                {
                    yield return finding;
                }
            }
        }
    }

    private static Finding Pressure(NodeFacts node, ConditionFacts condition, NodeUsage? usage, string evidence)
    {
        var lines = new List<string> { evidence };
        if (usage is not null)
        {
            lines.Add($"usage: cpu {Ages.Cpu(usage.MilliCpu)} of {Ages.Cpu(node.AllocatableMilliCpu)} ({Ages.Percent(usage.MilliCpu, node.AllocatableMilliCpu)}%), " +
                $"memory {Ages.Bytes(usage.Memory)} of {Ages.Bytes(node.AllocatableMemory)} ({Ages.Percent(usage.Memory, node.AllocatableMemory)}%)");
        }

        lines.AddRange(node.Taints.Where(t => t.Key.EndsWith("-pressure", StringComparison.Ordinal)).Select(t => $"taint {t}"));
        return condition.Type switch
        {
            "DiskPressure" => new Finding(CheckIds.NodeDiskPressure, Severity.Warning, Ref(node), "disk space is low (DiskPressure)",
                "logs and container images piling up on the node's disk", lines,
                $"on {node.Name}: df -h; delete unneeded files and prune unused images and containers (crictl rmi --prune), or expand the volume"),
            "MemoryPressure" => new Finding(CheckIds.NodeMemoryPressure, Severity.Warning, Ref(node), "memory is low (MemoryPressure)",
                "pods using too much memory", lines,
                $"find the biggest users (kubectl top pods -A --sort-by=memory); set memory limits on pods, or add nodes"),
            _ => new Finding(CheckIds.NodePidPressure, Severity.Warning, Ref(node), "too many processes (PIDPressure)",
                "a process leak in a pod", lines,
                $"find the pod forking processes on {node.Name} and restart it; set a pod PID limit (podPidsLimit)"),
        };
    }

    private static IEnumerable<Finding> ProblemCondition(NodeFacts node, ConditionFacts condition, string evidence, DateTimeOffset now)
    {
        if (NodeProblemConditions.Known.TryGetValue(condition.Type, out var known))
        {
            if (condition.Status == "True")
            {
                yield return new Finding(CheckIds.NodeProblem, known.Severity, Ref(node), $"{condition.Type}: {known.Symptom}", known.Cause, [evidence], known.Remedy);
            }
        }
        else if (condition.Status == "True" && !NodeProblemConditions.LooksHealthyWhenTrue(condition.Type))
        {
            yield return new Finding(CheckIds.NodeConditionUnrecognised, Severity.Info, Ref(node), $"condition {condition.Type}=True (not a condition the doctor knows)",
                "a node-problem-detector plugin or vendor agent reports it; whether True is bad depends on that reporter", [evidence],
                $"kubectl describe node {node.Name}; read the reporter's documentation");
        }

        if (condition.LastHeartbeat is { } beat && now - beat > Thresholds.ConditionStale)
        {
            yield return new Finding(CheckIds.NodeConditionStale, Severity.Info, Ref(node), $"condition {condition.Type} not refreshed for {Ages.Format(now - beat)}",
                "its reporter (node-problem-detector or a plugin) stopped or was removed, leaving the condition orphaned", [evidence],
                $"check node-problem-detector on {node.Name}; a condition whose monitor is gone can be removed with a nodes/status patch");
        }
    }

    private static Finding Cordoned(NodeFacts node, DateTimeOffset now)
    {
        var since = node.Annotations.TryGetValue(NodeFacts.CordonedByPitcrew, out var text) && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var at)
            ? at
            : node.Taints.FirstOrDefault(t => t.Key == Scheduling.UnschedulableTaint)?.Added;
        var old = since is { } s && now - s >= Thresholds.CordonedLong;
        return new Finding(CheckIds.NodeCordoned, old ? Severity.Warning : Severity.Info, Ref(node),
            since is { } c ? $"cordoned for {Ages.Format(now - c)}" : "cordoned (SchedulingDisabled)",
            old ? "a cordon left in place after maintenance" : "the node is cordoned for maintenance",
            [$"spec.unschedulable=true since {Ages.Stamp(since)}"], $"kubectl uncordon {node.Name} when maintenance is done");
    }

    private static Finding? Hot(NodeFacts node, NodeUsage usage)
    {
        var cpu = Ages.Percent(usage.MilliCpu, node.AllocatableMilliCpu);
        var memory = Ages.Percent(usage.Memory, node.AllocatableMemory);
        if (cpu < Thresholds.UsageHotPercent && memory < Thresholds.UsageHotPercent)
        {
            return null;
        }

        return new Finding(CheckIds.NodeUsageHigh, Severity.Warning, Ref(node), $"usage near allocatable: cpu {cpu}%, memory {memory}%",
            "pods using more than the node can give them; the kubelet evicts pods under memory pressure",
            [$"cpu {Ages.Cpu(usage.MilliCpu)} of {Ages.Cpu(node.AllocatableMilliCpu)} allocatable", $"memory {Ages.Bytes(usage.Memory)} of {Ages.Bytes(node.AllocatableMemory)} allocatable"],
            "kubectl top pods -A --sort-by=memory; set requests and limits, spread the load, or add nodes");
    }

    private static Finding? Skew(NodeFacts node, string? serverVersion)
    {
        if (KubeMinor.Of(node.KubeletVersion) is not { } kubelet || KubeMinor.Of(serverVersion) is not { } server)
        {
            return null;
        }

        var behind = server.Minor - kubelet.Minor;
        var evidence = new List<string> { $"kubelet {node.KubeletVersion}, API server {serverVersion}" };
        if (kubelet.Major != server.Major || behind < 0)
        {
            return new Finding(CheckIds.NodeVersionSkew, Severity.Critical, Ref(node), "kubelet is newer than the API server",
                "the kubelet was upgraded before the control plane; the version skew policy never allows a kubelet newer than kube-apiserver", evidence,
                "upgrade the control plane first (kubeadm upgrade apply), or downgrade this kubelet");
        }

        if (behind > Thresholds.KubeletMaxMinorsBehind)
        {
            return new Finding(CheckIds.NodeVersionSkew, Severity.Critical, Ref(node), $"kubelet is {behind} minor versions behind the API server",
                $"outside the supported skew (at most {Thresholds.KubeletMaxMinorsBehind} minors behind since 1.28)", evidence,
                $"upgrade the kubelet on {node.Name} one minor at a time: drain, kubeadm upgrade node, upgrade kubelet and kubectl, restart kubelet, uncordon");
        }

        return behind > 0
            ? new Finding(CheckIds.NodeVersionSkew, Severity.Info, Ref(node), $"kubelet is {behind} minor version(s) behind the API server",
                "within the supported skew, as while an upgrade is under way", evidence, $"upgrade the kubelet on {node.Name} to {serverVersion} when its turn comes")
            : null;
    }

    private static ObjectRef Ref(NodeFacts node) => new("Node", null, node.Name);
}
