using Pitcrew.Etcd;

namespace Pitcrew.Snapshots;

/// <summary>The member a snapshot is taken from, and why it was chosen over the others.</summary>
public sealed record SnapshotSource(EndpointStatus Member, string Reason, IReadOnlyList<string> Skipped);

/// <summary>Chooses which member to snapshot: healthy, up to date, a follower before the leader.</summary>
public static class SnapshotSourceSelector
{
    /// <summary>A follower further behind the most advanced member than this is not up to date.</summary>
    public const ulong MaxRaftIndexLag = 100;

    /// <summary>Picks a member from the statuses gathered; throws when no member is fit.</summary>
    public static SnapshotSource Choose(IReadOnlyList<EndpointStatus> statuses)
    {
        var skipped = new List<string>();
        var fit = new List<EndpointStatus>();
        foreach (var status in statuses)
        {
            var why = status switch
            {
                { Failure: { } failure } => failure,
                { Errors.Count: > 0 } => "reports errors: " + string.Join("; ", status.Errors),
                { IsLearner: true } => "is a learner",
                { Leader: 0 } => "has no leader",
                _ => null,
            };
            if (why is null)
            {
                fit.Add(status);
            }
            else
            {
                skipped.Add($"{status.Endpoint}: {why}");
            }
        }

        if (fit.Count == 0)
        {
            throw new PitcrewException($"no healthy etcd endpoint to snapshot: {string.Join("; ", skipped)}", ExitCodes.Unavailable);
        }

        if (fit.Select(s => s.ClusterId).Distinct().Count() > 1)
        {
            throw new PitcrewException(
                "the endpoints belong to different etcd clusters: " + string.Join(", ", fit.Select(s => $"{s.Endpoint} cluster {s.ClusterId:x}")),
                ExitCodes.Usage);
        }

        var newest = fit.Max(s => s.RaftIndex);
        var current = new List<EndpointStatus>();
        foreach (var status in fit)
        {
            if (newest - status.RaftIndex > MaxRaftIndexLag)
            {
                skipped.Add($"{status.Endpoint}: behind by {newest - status.RaftIndex} raft entries");
            }
            else
            {
                current.Add(status);
            }
        }

        // Prefer a follower: the leader carries the write load and a snapshot stream competes with it.
        var chosen = current
            .OrderBy(s => s.IsLeader)
            .ThenByDescending(s => s.RaftIndex)
            .First();
        foreach (var other in current.Where(s => !ReferenceEquals(s, chosen)))
        {
            skipped.Add($"{other.Endpoint}: {(other.IsLeader ? "leader, left alone" : "healthy, not needed")}");
        }

        var role = chosen.IsLeader ? "leader" : "follower";
        var reason = statuses.Count == 1
            ? $"member {chosen.MemberId:x} ({role})"
            : $"member {chosen.MemberId:x}, a healthy up-to-date {role} (raft index {chosen.RaftIndex})";
        return new SnapshotSource(chosen, reason, skipped);
    }
}
