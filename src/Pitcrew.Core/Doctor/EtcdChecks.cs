using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>etcd health from each member's status: reachability, leader, alarms, DB size against the quota, fragmentation (pure).</summary>
internal static class EtcdChecks
{
    public static IEnumerable<Finding> Check(IReadOnlyList<EndpointStatus> members, long quotaBytes)
    {
        var reachable = members.Where(m => m.Reachable).ToList();
        foreach (var member in members.Where(m => !m.Reachable))
        {
            yield return new Finding(CheckIds.EtcdUnreachable, Severity.Critical, Ref(member), "etcd member does not answer",
                "the member is down, its endpoint is wrong, or TLS material does not match", [member.Failure!],
                $"check the etcd static pod on its node (crictl ps | grep etcd; crictl logs), and the endpoint and certificates given (--endpoints, --cacert, --cert, --key)");
        }

        if (reachable.Count > 0 && reachable.All(m => m.Leader == 0))
        {
            yield return new Finding(CheckIds.EtcdNoLeader, Severity.Critical, new ObjectRef("EtcdCluster", null, "etcd"), "etcd has no leader",
                "a quorum of members is not available, so no leader can be elected and writes stop",
                [.. members.Select(m => $"{m.Endpoint}: {(m.Reachable ? $"term {m.RaftTerm}, leader none" : m.Failure)}")],
                "bring back enough members for a quorum; if they are lost, restore from a snapshot (pitcrew etcd snapshot restore)");
        }

        var alarms = reachable.SelectMany(m => m.Alarms).Distinct(StringComparer.Ordinal).ToList();
        foreach (var alarm in alarms)
        {
            var nospace = alarm.Contains("NOSPACE", StringComparison.Ordinal);
            var corrupt = alarm.Contains("CORRUPT", StringComparison.Ordinal);
            yield return new Finding(CheckIds.EtcdAlarm, Severity.Critical, new ObjectRef("EtcdCluster", null, "etcd"),
                $"etcd alarm raised: {alarm}",
                nospace ? "the database reached its space quota (--quota-backend-bytes); etcd refuses writes, so the API server cannot change anything"
                    : corrupt ? "members disagree on their data (a corruption check failed)"
                    : "etcd raised an alarm",
                [.. reachable.Select(m => $"{m.Endpoint}: db {Ages.Bytes(m.DbSize)}, in use {Ages.Bytes(m.DbSizeInUse)}, quota {Ages.Bytes(quotaBytes)}")],
                nospace ? "pitcrew etcd compact && pitcrew etcd defrag --cluster && pitcrew etcd alarm disarm (with etcdctl: etcdctl compact $(current revision); etcdctl defrag --cluster; etcdctl alarm disarm); then raise --quota-backend-bytes if the data really needs the room"
                    : corrupt ? "replace the corrupt member from the healthy ones: pitcrew etcd member replace NODE --executor ssh, or restore every member from a good snapshot (pitcrew cluster restore); then pitcrew etcd alarm disarm (etcdctl alarm disarm)"
                    : "pitcrew etcd alarm list (etcdctl alarm list); fix the cause, then pitcrew etcd alarm disarm (etcdctl alarm disarm)");
        }

        foreach (var member in reachable)
        {
            var percent = Ages.Percent(member.DbSize, quotaBytes);
            var evidence = $"db {Ages.Bytes(member.DbSize)} ({percent}% of quota {Ages.Bytes(quotaBytes)}), in use {Ages.Bytes(member.DbSizeInUse)}, revision {member.Revision}, raft term {member.RaftTerm}";
            if (percent >= Thresholds.EtcdQuotaWarningPercent && !alarms.Any(a => a.Contains("NOSPACE", StringComparison.Ordinal)))
            {
                yield return new Finding(CheckIds.EtcdDbSize, percent >= Thresholds.EtcdQuotaCriticalPercent ? Severity.Critical : Severity.Warning, Ref(member),
                    $"database at {percent}% of its quota", "the keyspace grew (many objects or revisions kept) towards --quota-backend-bytes; at 100% etcd raises NOSPACE and stops writes",
                    [evidence], "compact and defragment: pitcrew etcd compact && pitcrew etcd defrag --cluster (etcdctl compact, etcdctl defrag); delete unneeded objects (old events, completed jobs), or raise --quota-backend-bytes");
            }

            var free = member.DbSize - member.DbSizeInUse;
            if (member.DbSizeInUse > 0 && free >= Thresholds.EtcdFragmentedBytes && Ages.Percent(free, member.DbSize) >= Thresholds.EtcdFragmentedPercent)
            {
                yield return new Finding(CheckIds.EtcdFragmented, Severity.Info, Ref(member), $"{Ages.Percent(free, member.DbSize)}% of the database file is free space",
                    "space freed by compaction is only returned by a defragmentation", [evidence],
                    $"pitcrew etcd defrag --cluster --endpoints={member.Endpoint} (followers first, the leader last, one member at a time: it blocks each while it runs; or etcdctl --endpoints={member.Endpoint} defrag)");
            }

            if (member.Errors.Count > 0)
            {
                yield return new Finding(CheckIds.EtcdErrors, Severity.Warning, Ref(member), "etcd member reports errors", "see the errors the member reports",
                    [.. member.Errors], "read the member's log (crictl logs on its node)");
            }
        }
    }

    private static ObjectRef Ref(EndpointStatus member) => new("EtcdMember", null, member.MemberId == 0 ? member.Endpoint : $"{member.MemberId:x}@{member.Endpoint}");
}
