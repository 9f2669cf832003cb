using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>One entry of etcd's member list: kubeadm names a stacked member after its control-plane node.</summary>
/// <param name="Name">Empty for a member added but never started.</param>
internal sealed record EtcdMemberEntry(ulong Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool IsLearner)
{
    /// <summary>How a finding names it: the node it runs on (its name), else its id and peer URL.</summary>
    public string Label => Name.Length > 0 ? Name : $"{Id:x} ({string.Join(",", PeerUrls)}, never started)";
}

/// <summary>What the doctor read of etcd: the member list (empty when no endpoint gave one), each member's status, and how it connected.</summary>
internal sealed record EtcdClusterView(IReadOnlyList<EtcdMemberEntry> Members, IReadOnlyList<EndpointStatus> Statuses, EtcdConnectionOptions? Connection = null)
{
    public static readonly EtcdClusterView Empty = new([], []);

    /// <summary>The status read from one of the member's client URLs; null when it has none (never started).</summary>
    public EndpointStatus? StatusOf(EtcdMemberEntry member) =>
        Statuses.FirstOrDefault(s => s.Reachable && s.MemberId == member.Id)
        ?? Statuses.FirstOrDefault(s => member.ClientUrls.Any(u => SameEndpoint(u, s.Endpoint)));

    /// <summary>The member a status came from: by the id it reported, else by its endpoint.</summary>
    public EtcdMemberEntry? MemberOf(EndpointStatus status) =>
        Members.FirstOrDefault(m => status.Reachable && m.Id == status.MemberId)
        ?? Members.FirstOrDefault(m => m.ClientUrls.Any(u => SameEndpoint(u, status.Endpoint)));

    /// <summary>A URL with or without its scheme names the same endpoint ("127.0.0.1:2379" and "http://127.0.0.1:2379").</summary>
    public static bool SameEndpoint(string a, string b) => string.Equals(Bare(a), Bare(b), StringComparison.OrdinalIgnoreCase);

    private static string Bare(string url) => (url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url).TrimEnd('/');
}
