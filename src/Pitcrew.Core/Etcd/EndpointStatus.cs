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
