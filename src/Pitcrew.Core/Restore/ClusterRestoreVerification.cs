namespace Pitcrew.Restore;

/// <summary>One member as etcd's member list shows it.</summary>
/// <param name="Name">Empty until the member has started and published its name and client URLs.</param>
public sealed record ListedMember(string Name, string Id, bool IsLearner, IReadOnlyList<string> ClientUrls);

/// <summary>What one member reported about itself: its endpoint, IDs, revision.</summary>
public sealed record RestoredMemberStatus(string Endpoint, string MemberId, string ClusterId, long Revision);

/// <summary>What one member serves after the restore, read serializably from it alone: keys per prefix against the snapshot's.</summary>
public sealed record MemberCheck(string Member, string Endpoint, string MemberId, string ClusterId, long Revision, IReadOnlyList<PrefixCount> Counts, IReadOnlyList<string> Lost);

/// <summary>
/// The restored cluster checked against the plan (pure): the planned members and no others, every one a voter that
/// published its client URLs, every member reporting the planned cluster ID; keys per prefix against the snapshot's.
/// </summary>
public static class ClusterRestoreVerification
{
    /// <summary>What is wrong with the member list against the plan; empty when it matches.</summary>
    public static IReadOnlyList<string> Membership(RestorePlanReport plan, IReadOnlyList<ListedMember> listed)
    {
        var problems = new List<string>();
        if (listed.Count != plan.Members.Count)
        {
            problems.Add($"etcd lists {listed.Count} members ({string.Join(", ", listed.Select(Label))}), the plan restores {plan.Members.Count}");
        }

        foreach (var planned in plan.Members)
        {
            var member = listed.FirstOrDefault(m => m.Id == planned.MemberId);
            if (member is null)
            {
                problems.Add($"member {planned.Name} (ID {planned.MemberId}) is not in etcd's member list");
            }
            else if (member.IsLearner)
            {
                problems.Add($"member {planned.Name} (ID {planned.MemberId}) is a learner, not a voter");
            }
            else if (member.Name != planned.Name || member.ClientUrls.Count == 0)
            {
                problems.Add($"member {planned.Name} (ID {planned.MemberId}) has not published its name and client URLs yet");
            }
        }

        problems.AddRange(listed.Where(m => plan.Members.All(p => p.MemberId != m.Id)).Select(m => $"member {Label(m)} is not in the plan"));
        return problems;
    }

    /// <summary>What is wrong with the members' own statuses: a member missing, or a cluster ID other than the plan's.</summary>
    public static IReadOnlyList<string> ClusterIds(RestorePlanReport plan, IReadOnlyList<RestoredMemberStatus> statuses)
    {
        var problems = new List<string>();
        foreach (var planned in plan.Members.Where(p => statuses.All(s => s.MemberId != p.MemberId)))
        {
            problems.Add($"member {planned.Name} (ID {planned.MemberId}) did not answer status");
        }

        problems.AddRange(statuses.Where(s => s.ClusterId != plan.ClusterId)
            .Select(s => $"{s.Endpoint} (member {s.MemberId}) reports cluster ID {s.ClusterId}, the plan {plan.ClusterId}"));
        return problems;
    }

    /// <summary>Keys per prefix served against the snapshot's, every prefix of either, sorted.</summary>
    public static IReadOnlyList<PrefixCount> Compare(IReadOnlyDictionary<string, long> snapshot, IReadOnlyDictionary<string, long> served) =>
        [.. snapshot.Keys.Union(served.Keys).Order(StringComparer.Ordinal)
            .Select(p => new PrefixCount(p, snapshot.GetValueOrDefault(p), served.GetValueOrDefault(p)))];

    /// <summary>The prefixes the snapshot has and the member serves none of.</summary>
    public static IReadOnlyList<string> Lost(IReadOnlyList<PrefixCount> counts) => [.. counts.Where(c => c.Snapshot > 0 && c.Served == 0).Select(c => c.Prefix)];

    private static string Label(ListedMember m) => m.Name.Length > 0 ? $"{m.Name} {m.Id}" : $"unstarted {m.Id}";
}
