using Pitcrew.Etcd;
using Pitcrew.Restore;

namespace Pitcrew.MemberReplace;

/// <summary>
/// Plans the replace of a lost or corrupt member (pure): find it by node name, check that the quorum holds without it,
/// then park its manifest, remove it, move its data dir aside, add it back as a learner with the same peer URLs, rewrite
/// its manifest to join the existing cluster, start it, wait until it caught up, promote it, verify.
/// </summary>
public static class MemberReplacePlanner
{
    /// <summary>The target as the member list shows it; a problem when the node has no member or the quorum would not hold without it.</summary>
    public static (ReplaceTarget? Target, IReadOnlyList<ReplaceProblem> Problems) Find(string node, IReadOnlyList<MemberStatus> members)
    {
        var listed = members.Where(m => m.Member is not null).ToList();
        var member = listed.FirstOrDefault(m => m.Name == node);
        if (member is null)
        {
            return (null, [new($"node {node} hosts no etcd member: the members are {string.Join(", ", listed.Select(m => m.Member!.Label))}",
                "name a control-plane node whose member is listed (kubeadm names each stacked member after its node): pitcrew etcd member list", ExitCodes.Usage)]);
        }

        if (member.Member!.IsLearner)
        {
            return (null, [new($"node {node}'s member {MemberIds.Hex(member.Id)} is a learner, not a voter: the runbook would promote it",
                $"remove it (pitcrew etcd member remove {MemberIds.Hex(member.Id)}) and add it again as a learner instead", ExitCodes.Blocked)]);
        }

        var check = MemberRemoval.Check(members, member.Id);
        var clusterId = members.Where(m => m.Id != member.Id && m.Status.Reachable).Select(m => m.Status.ClusterId).FirstOrDefault();
        var target = new ReplaceTarget(node, MemberIds.Hex(member.Id), member.Name, member.Member!.PeerUrls, MemberIds.Hex(clusterId),
            [.. listed.Where(m => m.Id != member.Id).Select(m => m.Member!.Label)]);
        if (!check.Allowed)
        {
            return (target, [new($"the quorum does not hold without node {node}'s member: {check.Reason}",
                "bring the other members back first: replacing this one now would stop the cluster", ExitCodes.Blocked)]);
        }

        var down = members.Where(m => m.Id != member.Id && !m.Status.Reachable).ToList();
        if (clusterId == 0 || down.Count > 0)
        {
            return (target, [new($"the other members must be healthy to replace node {node}'s: {(down.Count == 0 ? "none answers" : string.Join(", ", down.Select(d => $"{d.Name} ({d.Status.Failure})")))}",
                "bring them back first (pitcrew doctor etcd)", ExitCodes.Blocked)]);
        }

        return (target, []);
    }

    public static MemberReplacePlan Plan(ReplaceTarget? target, IReadOnlyList<ReplaceProblem> problems, ReplacePaths paths, string stamp)
    {
        var aside = paths.Aside(stamp);
        if (target is null || problems.Count > 0)
        {
            return new(target, stamp, aside, [], problems);
        }

        var n = target.Node;
        var urls = string.Join(',', target.PeerUrls);
        ReplaceStep[] steps =
        [
            new($"stop-etcd/{n}", ReplaceStepKind.Run, "move the etcd manifest out of the kubelet's manifests dir", $"mv {Q(paths.Manifest)} {Q(paths.Parked)}"),
            new($"wait-etcd-exit/{n}", ReplaceStepKind.WaitGone, "wait for etcd to exit", "crictl ps --name '^etcd$' --state running -q"),
            new("remove-member", ReplaceStepKind.RemoveMember, $"remove member {target.Id} ({target.Name}) from cluster {target.ClusterId}: its stale entry would refuse the new one"),
            new($"move-aside/{n}", ReplaceStepKind.Run, $"move the old data dir aside to {aside} (kept, never deleted)", $"mv {Q(paths.DataDir)} {Q(aside)}"),
            new($"fresh-dir/{n}", ReplaceStepKind.Run, "create an empty data dir", $"mkdir -m 0700 {Q(paths.DataDir)}"),
            new("add-learner", ReplaceStepKind.AddLearner, $"add {target.Name} back as a learner with peer URL {urls}"),
            new($"rewrite-manifest/{n}", ReplaceStepKind.RewriteManifest,
                "set --initial-cluster to what member add returned and --initial-cluster-state=existing in the parked manifest", $"cat {Q(paths.Parked)}", paths.Parked),
            new($"start-etcd/{n}", ReplaceStepKind.Run, "put the etcd manifest back (the kubelet starts etcd, which joins as the learner)", $"mv {Q(paths.Parked)} {Q(paths.Manifest)}"),
            new("wait-caught-up", ReplaceStepKind.WaitCaughtUp, $"wait until the learner started and its applied index is within {Upgrade.Apply.HealthGates.MaxRaftLag} of the leader's"),
            new("promote", ReplaceStepKind.Promote, "promote the learner to a voting member (again while etcd says it is not in sync)"),
            new("verify", ReplaceStepKind.Verify, $"check {target.Name} is a started, healthy voter of cluster {target.ClusterId} serving the leader's keys (serializable read on it)"),
        ];
        return new(target, stamp, aside, steps, []);
    }

    private static string Q(string word) => Executors.NodeCommand.Quote(word);
}
