using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>A node as a health gate sees it.</summary>
internal sealed record GateNode(string Name, bool Ready, bool Unschedulable, KubeVersion? Kubelet);

/// <summary>
/// A Deployment, StatefulSet or DaemonSet ("Deployment shop/web"): pods wanted and pods Ready, and how many may be
/// unready because the workload is rolling out (a DaemonSet's maxUnavailable while not every node runs its template).
/// </summary>
internal sealed record WorkloadState(string Key, int Desired, int Ready, int RolloutSlack = 0);

/// <summary>A PodDisruptionBudget ("shop/web"): healthy pods now and the healthy pods it requires.</summary>
internal sealed record BudgetState(string Key, int CurrentHealthy, int DesiredHealthy);

/// <summary>What the gates read in one pass: nodes, versions, workloads, the owners of crash-looping pods, budgets.</summary>
internal sealed record GateFacts(
    IReadOnlyList<GateNode> Nodes,
    ClusterVersions Versions,
    IReadOnlyList<WorkloadState> Workloads,
    IReadOnlySet<string> CrashLooping,
    IReadOnlyList<BudgetState> Budgets)
{
    /// <summary>The stacked etcd members named after their nodes; null when the cluster's etcd is not known (not judged).</summary>
    public IReadOnlyList<EtcdMemberState>? Etcd { get; init; }
}

/// <summary>One gate not passed: which, about what, why; a fatal one fails the node at once instead of being waited out.</summary>
internal sealed record GateProblem(string Gate, string Subject, string Detail, bool Fatal = false)
{
    public override string ToString() => $"{Gate}: {Subject}: {Detail}";
}

/// <summary>
/// The health gates a node passes before the next one starts, judged against the baseline taken when the run began:
/// Ready with the target kubelet, the control-plane static pods at the target, every workload as Ready as before,
/// every budget as healthy as before, no new CrashLoopBackOff, and the version skew policy holding.
/// </summary>
internal static class HealthGates
{
    public const string NodeGate = "node";
    public const string StaticPodsGate = "static pods";
    public const string WorkloadsGate = "workloads";
    public const string BudgetsGate = "budgets";
    public const string CrashLoopGate = "crash loops";
    public const string SkewGate = "version skew";
    public const string EtcdGate = "etcd";

    /// <summary>
    /// How far a member's applied raft index may trail the leader's committed index and still count as caught up.</summary>
    /// <remarks>etcd
    /// itself refuses new proposals on a member whose applied index trails its committed index by more than 5000
    /// (maxGapBetweenApplyAndCommitIndex); a member that restarted and is replaying or receiving the log is far behind
    /// until it caught up, while a healthy follower of a busy cluster trails by a few dozen entries between the two
    /// status reads. 1000 is well above that noise and well below the point where etcd turns the member away.
    /// </remarks>
    public const ulong MaxRaftLag = Doctor.Thresholds.EtcdMemberBehindEntries;

    /// <summary>The components kubeadm upgrades on every control-plane node, as static pods.</summary>
    public static readonly IReadOnlyList<string> UpgradedStaticPods =
        [ClusterVersions.ApiServerComponent, ClusterVersions.ControllerManagerComponent, ClusterVersions.SchedulerComponent];

    /// <summary>The node itself: Ready with the target kubelet (or a later hop's), and on a control plane its static pods at the target.</summary>
    public static IReadOnlyList<GateProblem> Node(GateFacts now, string name, NodeRole role, KubeVersion target)
    {
        var problems = new List<GateProblem>();
        var node = now.Nodes.FirstOrDefault(n => n.Name == name);
        if (node is null)
        {
            return [new GateProblem(NodeGate, $"node/{name}", "is gone from the cluster", Fatal: true)];
        }

        if (!node.Ready)
        {
            problems.Add(new GateProblem(NodeGate, $"node/{name}", "is not Ready"));
        }

        if (node.Kubelet is null || node.Kubelet < target)
        {
            problems.Add(new GateProblem(NodeGate, $"node/{name}", $"kubelet reports {node.Kubelet?.Text ?? "no version"}, want {target}"));
        }

        if (role != NodeRole.Worker)
        {
            problems.AddRange(StaticPods(now, name, target));
        }

        return problems;
    }

    /// <summary>kube-apiserver, kube-controller-manager and kube-scheduler on the node at the target's image (or a later hop's).</summary>
    public static IReadOnlyList<GateProblem> StaticPods(GateFacts now, string name, KubeVersion target)
    {
        var problems = new List<GateProblem>();
        foreach (var component in UpgradedStaticPods)
        {
            var pod = now.Versions.ControlPlane.FirstOrDefault(p => p.Node == name && p.Component == component);
            if (pod is null)
            {
                problems.Add(new GateProblem(StaticPodsGate, $"{component}-{name}", "has no mirror pod"));
            }
            else if (KubeVersion.FromImage(pod.Image) is not { } running || running < target)
            {
                problems.Add(new GateProblem(StaticPodsGate, $"{component}-{name}", $"runs {pod.Image}, want tag {target}"));
            }
        }

        return problems;
    }

    /// <summary>
    /// Every etcd member answers without an alarm, a leader exists, and every member has applied the log to within
    /// <see cref="MaxRaftLag"/> of the leader's committed index: what a control plane's upgrade waits for before the next
    /// one restarts its member. An alarm fails at once; the rest is waited for. Not judged when etcd is not known.
    /// </summary>
    public static IReadOnlyList<GateProblem> Etcd(GateFacts now)
    {
        if (now.Etcd is not { Count: > 0 } members)
        {
            return [];
        }

        var problems = new List<GateProblem>();
        var answering = members.Where(m => m.Status.Reachable).ToList();
        foreach (var member in members.Where(m => !m.Status.Reachable))
        {
            problems.Add(new GateProblem(EtcdGate, $"etcd on {member.Node}", $"does not answer ({member.Status.Failure}); waiting for it to answer " +
                $"({answering.Count} of {members.Count} members answer)"));
        }

        foreach (var (member, alarm) in answering.SelectMany(m => m.Status.Alarms.Select(a => (m, a))).DistinctBy(p => p.a, StringComparer.Ordinal))
        {
            var named = EtcdMembers.AlarmOf(alarm, members);
            problems.Add(new GateProblem(EtcdGate, $"etcd on {named?.Node ?? member.Node}", $"raised alarm {named?.Alarm ?? alarm}", Fatal: true));
        }

        var leader = answering.FirstOrDefault(m => m.Status.IsLeader);
        if (leader is null)
        {
            if (answering.Count > 0)
            {
                problems.Add(new GateProblem(EtcdGate, "etcd", $"has no leader ({answering.Count} of {members.Count} members answer); waiting for one to be elected"));
            }

            return problems;
        }

        foreach (var member in answering.Where(m => m != leader))
        {
            var behind = leader.Status.RaftIndex > member.Applied ? leader.Status.RaftIndex - member.Applied : 0;
            if (behind > MaxRaftLag)
            {
                problems.Add(new GateProblem(EtcdGate, $"etcd on {member.Node}", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"applied raft index {member.Applied} is {behind} behind the leader's ({leader.Node}) {leader.Status.RaftIndex}; waiting until it is within {MaxRaftLag}")));
            }
        }

        return problems;
    }

    /// <summary>The cluster against the baseline: workloads, budgets, crash loops and version skew.</summary>
    public static IReadOnlyList<GateProblem> Cluster(GateFacts now, GateFacts baseline)
    {
        var problems = new List<GateProblem>();
        var before = baseline.Workloads.ToDictionary(w => w.Key, StringComparer.Ordinal);
        foreach (var workload in now.Workloads)
        {
            var required = before.TryGetValue(workload.Key, out var b) && b.Ready < b.Desired ? Math.Min(workload.Desired, b.Ready) : workload.Desired;
            // A rolling DaemonSet (kube-proxy after kubeadm upgraded the addon) keeps maxUnavailable pods down until it is
            // done on every node; waiting for all of them Ready would hold every gate for the whole rollout.
            if (workload.Ready + workload.RolloutSlack < required)
            {
                var want = workload.RolloutSlack > 0 ? $"{required - workload.RolloutSlack} while it rolls out" : required.ToString(System.Globalization.CultureInfo.InvariantCulture);
                problems.Add(new GateProblem(WorkloadsGate, workload.Key, $"{workload.Ready}/{workload.Desired} Ready, want {want}"));
            }
        }

        var budgets = baseline.Budgets.ToDictionary(p => p.Key, StringComparer.Ordinal);
        foreach (var budget in now.Budgets)
        {
            var required = budgets.TryGetValue(budget.Key, out var b) && b.CurrentHealthy < b.DesiredHealthy ? b.CurrentHealthy : budget.DesiredHealthy;
            if (budget.CurrentHealthy < required)
            {
                problems.Add(new GateProblem(BudgetsGate, $"pdb/{budget.Key}", $"{budget.CurrentHealthy} healthy, needs {required}"));
            }
        }

        foreach (var owner in now.CrashLooping.Where(o => !baseline.CrashLooping.Contains(o)).Order(StringComparer.Ordinal))
        {
            problems.Add(new GateProblem(CrashLoopGate, owner, "has pods in CrashLoopBackOff that it did not have before the upgrade", Fatal: true));
        }

        var skewedBefore = LiveSkew.Check(baseline.Versions).Select(v => v.Subject).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(LiveSkew.Check(now.Versions).Where(v => !skewedBefore.Contains(v.Subject)).Select(v => new GateProblem(SkewGate, v.Subject, v.Reason, Fatal: true)));
        return problems;
    }
}
