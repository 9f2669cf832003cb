using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>What the doctor read of etcd: the member list (empty when no endpoint gave one), each member's status, and how it connected.</summary>
internal sealed record EtcdClusterView(IReadOnlyList<EtcdMemberInfo> Members, IReadOnlyList<EndpointStatus> Statuses, EtcdConnectionOptions? Connection = null)
{
    public static readonly EtcdClusterView Empty = new([], []);

    /// <summary>The status read from one of the member's client URLs; null when it has none (never started).</summary>
    public EndpointStatus? StatusOf(EtcdMemberInfo member) =>
        Statuses.FirstOrDefault(s => s.Reachable && s.MemberId == member.Id)
        ?? Statuses.FirstOrDefault(s => member.ClientUrls.Any(u => SameEndpoint(u, s.Endpoint)));

    /// <summary>The member a status came from: by the id it reported, else by its endpoint.</summary>
    public EtcdMemberInfo? MemberOf(EndpointStatus status) =>
        Members.FirstOrDefault(m => status.Reachable && m.Id == status.MemberId)
        ?? Members.FirstOrDefault(m => m.ClientUrls.Any(u => SameEndpoint(u, status.Endpoint)));

    /// <summary>A URL with or without its scheme names the same endpoint ("127.0.0.1:2379" and "http://127.0.0.1:2379").</summary>
    public static bool SameEndpoint(string a, string b) => string.Equals(Bare(a), Bare(b), StringComparison.OrdinalIgnoreCase);

    private static string Bare(string url) => (url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url).TrimEnd('/');
}
