using System.Globalization;

namespace Pitcrew.Etcd;

/// <summary>One member in a defragmentation plan: its status before, whether the rule finds it worth it and why.</summary>
public sealed record DefragStep(string Endpoint, ulong MemberId, bool IsLeader, long DbSize, long DbSizeInUse, bool Worth, string Reason)
{
    public long Free => Math.Max(0, DbSize - DbSizeInUse);
}

/// <summary>What a defragmentation did to one member: its DB size before and after, or why it was skipped.</summary>
public sealed record DefragOutcome(string Endpoint, ulong MemberId, bool Defragmented, long DbSizeBefore, long DbSizeAfter, string? Skipped);

/// <summary>
/// Plans a defragmentation (pure): every member, followers first and the leader last (a member blocks while it
/// defragments, and the leader's pause would stall every write), one at a time; the default rule skips a member whose
/// free space is under 10% of its file and under 100 MB; another rule (<see cref="DefragRule"/>) decides otherwise.
/// Refuses (problems) when a member does not answer: taking another one offline for a while could lose the quorum.
/// </summary>
public static class DefragPlanner
{
    /// <summary>etcd's default backend quota (--quota-backend-bytes), which dbQuota stands for unless told.</summary>
    public const long DefaultQuotaBytes = 2L * 1024 * 1024 * 1024;

    public static (IReadOnlyList<DefragStep> Steps, IReadOnlyList<string> Problems) Plan(IReadOnlyList<EndpointStatus> members) =>
        Plan(members, DefragRule.Default, DefaultQuotaBytes);

    public static (IReadOnlyList<DefragStep> Steps, IReadOnlyList<string> Problems) Plan(IReadOnlyList<EndpointStatus> members, DefragRule rule, long quotaBytes)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var problems = members.Where(m => !m.Reachable)
            .Select(m => $"etcd member at {m.Endpoint} does not answer ({m.Failure}): defragmenting another member would block it while this one is down; bring it back first")
            .ToList();
        if (problems.Count > 0)
        {
            return ([], problems);
        }

        var steps = members.OrderBy(m => m.IsLeader).ThenBy(m => m.Endpoint, StringComparer.Ordinal).Select(m =>
        {
            var free = Math.Max(0, m.DbSize - m.DbSizeInUse);
            var worth = rule.Evaluate(new DefragRuleInput(m.DbSize, m.DbSizeInUse, quotaBytes));
            var isDefault = ReferenceEquals(rule, DefragRule.Default);
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"{HumanBytes(free)} free of {HumanBytes(m.DbSize)} ({(m.DbSize > 0 ? 100.0 * free / m.DbSize : 0):F0}%)") +
                (isDefault ? (worth ? string.Empty : ": under 10% and under 100 MB, skipped")
                    : string.Create(CultureInfo.InvariantCulture, $", {100.0 * m.DbSize / quotaBytes:F1}% of the quota: the rule is {(worth ? "true" : "false, skipped")}"));
            return new DefragStep(m.Endpoint, m.MemberId, m.IsLeader, m.DbSize, m.DbSizeInUse, worth, reason);
        }).ToList();
        return (steps, []);
    }

    private static string HumanBytes(long bytes) => bytes >= 1_000_000 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F1} MB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:F0} kB");
}

/// <summary>
/// Runs a defragmentation plan one member at a time: before each member every member must be healthy again
/// (a linearizable read and no alarm other than NOSPACE, which defragmenting is meant to clear), then Defragment, then
/// the member's status after.
/// </summary>
public static class DefragRunner
{
    public static async Task<IReadOnlyList<DefragOutcome>> RunAsync(EtcdConnectionOptions options, IReadOnlyList<DefragStep> steps, TimeSpan healthyWithin,
        TimeProvider time, Action<DefragOutcome> done, CancellationToken cancellationToken)
    {
        var outcomes = new List<DefragOutcome>();
        var all = options with { Endpoints = [.. steps.Select(s => s.Endpoint)], CommandTimeout = options.CommandTimeout ?? EtcdConnectionOptions.DefaultCommandTimeout };
        foreach (var step in steps)
        {
            if (!step.Worth)
            {
                var skipped = new DefragOutcome(step.Endpoint, step.MemberId, false, step.DbSize, step.DbSize, step.Reason);
                outcomes.Add(skipped);
                done(skipped);
                continue;
            }

            await HealthyAsync(all, healthyWithin, time, cancellationToken).ConfigureAwait(false);
            // A large file takes a while to rewrite: the defragment call gets a minute at least.
            var member = options with { CommandTimeout = Max(options.CommandTimeout ?? EtcdConnectionOptions.DefaultCommandTimeout, TimeSpan.FromMinutes(1)) };
            using (var client = new EtcdEndpointClient(member, step.Endpoint))
            {
                await client.DefragmentAsync(cancellationToken).ConfigureAwait(false);
            }

            using var after = new EtcdEndpointClient(all, step.Endpoint);
            var status = await after.StatusAsync(cancellationToken).ConfigureAwait(false);
            var outcome = new DefragOutcome(step.Endpoint, step.MemberId, true, step.DbSize, status.DbSize, null);
            outcomes.Add(outcome);
            done(outcome);
        }

        return outcomes;
    }

    private static async Task HealthyAsync(EtcdConnectionOptions all, TimeSpan within, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var health = await EtcdEndpoints.HealthAsync(all, wholeCluster: false, time, cancellationToken).ConfigureAwait(false);
            var sick = health.Where(h => !h.Healthy && h.Error?.Contains("NOSPACE", StringComparison.Ordinal) != true).ToList();
            if (sick.Count == 0)
            {
                return;
            }

            if (time.GetElapsedTime(started) > within)
            {
                throw new Errors.PitcrewException(
                    $"defrag stopped: {string.Join("; ", sick.Select(h => $"{h.Endpoint} is unhealthy ({h.Error})"))}; the members done so far are defragmented",
                    Errors.ExitCodes.Unavailable);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
