using System.Globalization;
using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>
/// The member checks of a stacked (HA) etcd, from the member list and each member's status (pure): a member down (and how
/// many more the quorum can lose), a member far behind the leader, a learner left unpromoted, members that disagree on
/// the cluster ID. Each names the member by its node, as kubeadm names members.
/// </summary>
internal static class EtcdMemberChecks
{
    public static IEnumerable<Finding> Check(EtcdClusterView view)
    {
        if (view.Members.Count == 0)
        {
            yield break;
        }

        var voters = view.Members.Where(m => !m.IsLearner).ToList();
        var quorum = (voters.Count / 2) + 1;
        var answering = voters.Count(m => view.StatusOf(m) is { Reachable: true });
        foreach (var member in view.Members)
        {
            if (view.StatusOf(member) is { Reachable: true })
            {
                continue;
            }

            var status = view.StatusOf(member);
            var left = answering - quorum;
            var evidence = new List<string>
            {
                status?.Failure ?? $"member {member.Id:x} lists no client URL: it was added but has not started",
                $"{answering} of {voters.Count} voting members answer; a quorum is {quorum}",
            };
            var margin = answering < quorum ? "the quorum is lost: writes stop until enough members are back"
                : left == 0 ? $"losing one more member loses the quorum ({quorum} of {voters.Count})"
                : $"{left} more member(s) may be lost before the quorum is";
            yield return new Finding(CheckIds.EtcdMemberDown, answering <= quorum ? Severity.Critical : Severity.Warning, Ref(member),
                $"etcd member {member.Label} does not answer: {margin}",
                member.ClientUrls.Count == 0
                    ? "the member was added to the cluster (etcdctl member add) but its etcd never started with --initial-cluster-state existing"
                    : "the member's etcd is not running on its node (static pod crash-looping or its manifest moved away), its data dir is damaged, or its node is down",
                evidence,
                member.ClientUrls.Count == 0
                    ? $"start etcd on that node with the --initial-cluster etcdctl member add printed, or remove the entry: pitcrew etcd member remove {member.Id:x} (etcdctl member remove {member.Id:x})"
                    : $"on node {member.Label}: crictl ps -a --name etcd; crictl logs of the etcd container; check /etc/kubernetes/manifests/etcd.yaml and /var/lib/etcd; " +
                      $"if its data is lost or corrupt: pitcrew etcd member replace {member.Label} --executor ssh; do not restart or upgrade another control plane until it is back");
        }

        var statuses = view.Members.Select(m => (Member: m, Status: view.StatusOf(m))).Where(p => p.Status is { Reachable: true }).Select(p => (p.Member, Status: p.Status!)).ToList();
        var leader = statuses.FirstOrDefault(p => p.Status.IsLeader);
        if (leader.Status is not null)
        {
            foreach (var (member, status) in statuses.Where(p => p.Member.Id != leader.Member.Id))
            {
                var behind = leader.Status.RaftIndex > status.RaftAppliedIndex ? leader.Status.RaftIndex - status.RaftAppliedIndex : 0;
                if (behind > Thresholds.EtcdMemberBehindEntries)
                {
                    yield return new Finding(CheckIds.EtcdMemberBehind, Severity.Warning, Ref(member),
                        $"etcd member {member.Label} is {behind.ToString("N0", CultureInfo.InvariantCulture)} raft entries behind the leader {leader.Member.Label}",
                        "the member cannot keep up (slow disk or network, a long defragmentation, or it is catching up after a restart); it counts for the quorum but serves stale reads",
                        [$"leader {leader.Member.Label}: raft index {leader.Status.RaftIndex}", $"{member.Label}: raft applied index {status.RaftAppliedIndex}, revision {status.Revision}"],
                        $"watch it catch up (pitcrew etcd endpoint status --cluster); if it does not, check the disk (fsync latency) and network of node {member.Label}; do not take another member down meanwhile");
                }
            }
        }

        foreach (var member in view.Members.Where(m => m.IsLearner))
        {
            var status = view.StatusOf(member);
            yield return new Finding(CheckIds.EtcdLearner, Severity.Warning, Ref(member),
                $"etcd member {member.Label} is a learner: it does not vote",
                "a member added as a learner (etcdctl member add --learner, kubeadm join with the learner-mode feature) was never promoted, so the cluster has one voter fewer than nodes",
                [$"{member.Label}: learner, {(status is { Reachable: true } s ? $"raft applied index {s.RaftAppliedIndex}" : "not answering")}" +
                 (leader.Status is not null ? $"; leader raft index {leader.Status.RaftIndex}" : string.Empty)],
                $"once it caught up with the leader: pitcrew etcd member promote {member.Id:x} (etcdctl member promote {member.Id:x})");
        }

        var clusters = statuses.GroupBy(p => p.Status.ClusterId).ToList();
        if (clusters.Count > 1)
        {
            var majority = clusters.OrderByDescending(g => g.Count()).First();
            foreach (var group in clusters.Where(g => g.Key != majority.Key))
            {
                foreach (var (member, status) in group)
                {
                    yield return new Finding(CheckIds.EtcdClusterIdMismatch, Severity.Critical, Ref(member),
                        $"etcd member {member.Label} belongs to another cluster ({status.ClusterId:x}, not {majority.Key:x})",
                        "the member was restored or started on its own (a separate snapshot, another --initial-cluster-token or --force-new-cluster): it is not part of the cluster the others form",
                        [.. clusters.Select(g => $"cluster {g.Key:x}: {string.Join(", ", g.Select(p => p.Member.Label))}")],
                        $"re-add it from the others: pitcrew etcd member replace {member.Label} --executor ssh (it parks its manifest, removes the member, moves its data dir aside, " +
                        "adds it back as a learner started with --initial-cluster-state existing, promotes it); or restore every member from one snapshot (pitcrew cluster restore)");
                }
            }
        }
    }

    /// <summary>Members the member checks speak for: their unreachable statuses need no endpoint finding of their own.</summary>
    public static bool Covers(EtcdClusterView view, EndpointStatus status) => !status.Reachable && view.MemberOf(status) is not null;

    private static ObjectRef Ref(EtcdMemberInfo member) => new("EtcdMember", null, member.Label);
}
