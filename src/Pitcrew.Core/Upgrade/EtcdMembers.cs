using Pitcrew.Etcd;

namespace Pitcrew.Upgrade;

/// <summary>A stacked etcd member as the upgrade names it: the control-plane node it runs on, and its status.</summary>
/// <param name="Node">The node (or, when no node could be matched, the member's name or endpoint).</param>
internal sealed record EtcdMemberState(string Node, ulong Id, string Endpoint, EndpointStatus Status)
{
    /// <summary>The member's applied raft index (its committed index from servers that do not report it).</summary>
    public ulong Applied => Status.RaftAppliedIndex != 0 ? Status.RaftAppliedIndex : Status.RaftIndex;
}

/// <summary>
/// Names the members of the member list after their nodes, as kubeadm names a stacked member after its node; a member
/// whose name is no node's is matched by the client URL an etcd pod advertises. Pure.
/// </summary>
internal static class EtcdMembers
{
    public static IReadOnlyList<EtcdMemberState> Name(IReadOnlyList<MemberStatus> members, IReadOnlyList<EtcdPod> pods) =>
        [.. members.Select(m => new EtcdMemberState(NodeOf(m, pods), m.Id != 0 ? m.Id : m.Status.MemberId, m.Status.Endpoint, m.Status)).OrderBy(m => m.Node, StringComparer.Ordinal)];

    /// <summary>The member's node: a pod's node equal to its name, else the node of the pod advertising one of its client URLs, else its name or endpoint.</summary>
    public static string NodeOf(MemberStatus member, IReadOnlyList<EtcdPod> pods)
    {
        if (member.Name.Length > 0 && (pods.Count == 0 || pods.Any(p => p.Node == member.Name)))
        {
            return member.Name;
        }

        var urls = member.ClientUrls.Append(member.Status.Endpoint).Select(Normal).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return pods.FirstOrDefault(p => ClusterEtcd.Urls(p).Any(u => urls.Contains(Normal(u))))?.Node
            ?? (member.Name.Length > 0 ? member.Name : member.Status.Endpoint);
    }

    /// <summary>The node of the member an alarm names ("memberID:8e9e05c52164694d alarm:NOSPACE"), with the alarm's type; null when it names none of them.</summary>
    public static (string Node, string Alarm)? AlarmOf(string alarm, IReadOnlyList<EtcdMemberState> members)
    {
        const string Id = "memberID:";
        const string Type = "alarm:";
        var id = alarm.IndexOf(Id, StringComparison.Ordinal);
        var type = alarm.IndexOf(Type, StringComparison.Ordinal);
        if (id < 0 || type < 0 || !ulong.TryParse(alarm.AsSpan(id + Id.Length).TrimEnd().ToString().Split(' ')[0], System.Globalization.NumberStyles.HexNumber,
                System.Globalization.CultureInfo.InvariantCulture, out var member))
        {
            return null;
        }

        var name = members.FirstOrDefault(m => m.Id == member)?.Node ?? $"member {member:x}";
        return (name, alarm[(type + Type.Length)..].Trim());
    }

    private static string Normal(string url) => url.TrimEnd('/');
}
