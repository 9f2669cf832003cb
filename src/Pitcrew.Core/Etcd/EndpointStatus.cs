namespace Pitcrew.Etcd;

/// <summary>One member's answer to Maintenance.Status, or why it did not answer.</summary>
public sealed record EndpointStatus(
    string Endpoint,
    ulong MemberId,
    ulong ClusterId,
    string Version,
    long DbSize,
    long DbSizeInUse,
    ulong Leader,
    bool IsLearner,
    ulong RaftTerm,
    ulong RaftIndex,
    ulong RaftAppliedIndex,
    long Revision,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Alarms,
    string? Failure)
{
    public bool Reachable => Failure is null;

    public bool IsLeader => Reachable && MemberId != 0 && MemberId == Leader;

    public static EndpointStatus Failed(string endpoint, string failure) =>
        new(endpoint, 0, 0, string.Empty, 0, 0, 0, false, 0, 0, 0, 0, [], [], failure);
}

/// <summary>Whether a member committed a linearizable read in time, as etcdctl endpoint health checks it.</summary>
public sealed record EndpointHealth(string Endpoint, bool Healthy, TimeSpan Took, string? Error);

/// <summary>A member of the member list with its own status read through its first client URL.</summary>
/// <param name="Member">The member list's entry; null for an endpoint given when no endpoint listed the members.</param>
public sealed record MemberStatus(EtcdMemberInfo? Member, EndpointStatus Status)
{
    /// <summary>The member's name (kubeadm names a stacked member after its node); empty when the member list could not be read.</summary>
    public string Name => Member?.Name ?? string.Empty;

    public ulong Id => Member?.Id ?? Status.MemberId;

    public IReadOnlyList<string> ClientUrls => Member?.ClientUrls ?? [Status.Endpoint];
}

/// <summary>An active etcd alarm: the member that raised it and its type (NOSPACE, CORRUPT).</summary>
public sealed record EtcdAlarm(ulong MemberId, string Alarm)
{
    /// <summary>As etcdctl alarm list prints it: the member ID in decimal (member list prints it in hex).</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"memberID:{MemberId} alarm:{Alarm}");
}

/// <summary>A member of etcd's member list; unstarted (no name yet) until it first joins.</summary>
public sealed record EtcdMemberInfo(ulong Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool IsLearner)
{
    public string Status => Name.Length == 0 ? "unstarted" : "started";

    /// <summary>How messages name it: its name (kubeadm's is the node's), else its id and peer URL.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Label => Name.Length > 0 ? Name : $"{Id:x} ({string.Join(",", PeerUrls)}, never started)";
}
