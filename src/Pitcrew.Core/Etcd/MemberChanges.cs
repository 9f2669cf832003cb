using System.Globalization;

namespace Pitcrew.Etcd;

/// <summary>What etcd answered to a member add: the new member's ID, the cluster's, and every member with the new one named.</summary>
public sealed record MemberAdded(ulong Id, ulong ClusterId, string Name, IReadOnlyList<string> PeerUrls, bool IsLearner, IReadOnlyList<EtcdMemberInfo> Members)
{
    /// <summary>The --initial-cluster the new member starts with: every member's NAME=PEER-URL, in the answer's order (an unstarted member has no name), as etcdctl prints it.</summary>
    public string InitialCluster => string.Join(',', Members.SelectMany(m => m.PeerUrls.Select(u => $"{(m.Id == Id ? Name : m.Name)}={u}")));

    /// <summary>etcdctl 3.4's lines: the IDs padded to 16 like its %16x, then the variables to start the member with.</summary>
    public IReadOnlyList<string> EtcdctlLines() =>
    [
        string.Create(CultureInfo.InvariantCulture, $"Member {Id,16:x} added to cluster {ClusterId,16:x}"),
        string.Empty,
        $"ETCD_NAME={GoQuote(Name)}",
        $"ETCD_INITIAL_CLUSTER={GoQuote(InitialCluster)}",
        $"ETCD_INITIAL_ADVERTISE_PEER_URLS={GoQuote(string.Join(',', PeerUrls))}",
        "ETCD_INITIAL_CLUSTER_STATE=\"existing\"",
    ];

    /// <summary>Go's %q for the plain text names and URLs are: quotes and backslashes escaped.</summary>
    private static string GoQuote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

/// <summary>A promote that etcd refused because the learner has not caught up with the leader yet; worth trying again shortly.</summary>
public sealed class LearnerNotInSyncException : PitcrewException
{
    /// <summary>etcd's own words for it (FailedPrecondition).</summary>
    public const string EtcdSays = "can only promote a learner member which is in sync with leader";

    public LearnerNotInSyncException(ulong id, Exception innerException)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"member {id:x} is a learner that has not caught up with the leader yet (etcd: {EtcdSays}); wait until its applied index is near the leader's (pitcrew etcd endpoint status --cluster), then promote it again"),
            ExitCodes.Blocked, innerException)
    {
    }

    public LearnerNotInSyncException()
    {
    }

    public LearnerNotInSyncException(string message)
        : base(message)
    {
    }

    public LearnerNotInSyncException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Whether removing a member keeps a quorum of healthy voters, with the reason and the override.</summary>
public sealed record RemovalCheck(bool Allowed, string Reason, string? Hint);

/// <summary>The pure rule for member remove: after the removal, the healthy voters left must still be a quorum of the voters left.</summary>
public static class MemberRemoval
{
    /// <param name="members">Every member with its own status (reachable counts as healthy).</param>
    /// <param name="id">The member to remove.</param>
    public static RemovalCheck Check(IReadOnlyList<MemberStatus> members, ulong id)
    {
        var target = members.FirstOrDefault(m => m.Id == id);
        if (target?.Member is null)
        {
            return new(false, string.Create(CultureInfo.InvariantCulture, $"member {id:x} is not in the member list ({string.Join(", ", members.Select(m => $"{m.Id:x} {m.Name}"))})"),
                "see pitcrew etcd member list");
        }

        if (target.Member.IsLearner)
        {
            return new(true, $"member {target.Member.Label} is a learner: it does not count for the quorum", null);
        }

        var voters = members.Where(m => m.Member is { IsLearner: false } && m.Id != id).ToList();
        var healthy = voters.Count(m => m.Status.Reachable);
        var quorum = (voters.Count / 2) + 1;
        var label = target.Member.Label;
        if (voters.Count == 0)
        {
            return new(false, $"member {label} is the only voting member: removing it leaves no cluster", "pass --force to remove it anyway");
        }

        if (healthy < quorum)
        {
            var down = string.Join(", ", voters.Where(m => !m.Status.Reachable).Select(m => m.Member!.Label));
            return new(false, string.Create(CultureInfo.InvariantCulture,
                $"removing member {label} leaves {healthy} healthy of {voters.Count} voting members, {quorum} needed for a quorum (down: {down})"),
                "bring the members that are down back first, or pass --force");
        }

        return new(true, string.Create(CultureInfo.InvariantCulture, $"{healthy} of {voters.Count} voting members left healthy, {quorum} needed"), null);
    }
}
