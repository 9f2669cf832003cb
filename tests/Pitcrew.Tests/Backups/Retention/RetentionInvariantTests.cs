using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

/// <summary>Properties that hold for every history and policy, checked over generated cases with fixed seeds.</summary>
public sealed class RetentionInvariantTests
{
    private const int Cases = 60;

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, Cases)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Decide_OnAnyHistory_KeepsPreUpgradeAndNewestVerifiedAndGivesEveryDecisionAReason(int seed)
    {
        var random = new Random(seed);
        var history = History(random);
        var policy = Policy(random);
        var forgotten = Forgotten(random, history);

        var decisions = RetentionPlanner.Decide(history, policy, forgotten);

        Assert.Equal(history.Count, decisions.Count);
        Assert.Equal(history.Select(b => b.Name).Order(StringComparer.Ordinal), decisions.Select(d => d.Backup.Name).Order(StringComparer.Ordinal));
        Assert.All(decisions, d => Assert.NotEmpty(d.Reasons));
        Assert.All(decisions.Where(d => !d.Keep), d => Assert.True(d.Reasons is [RetentionReasons.NotKept] or [RetentionReasons.Forgotten], string.Join("; ", d.Reasons)));
        Assert.All(decisions.Where(d => d.Backup.Tags.Contains(RetentionPolicy.PreUpgradeTag) && !forgotten.Contains(d.Backup.Name)), d => Assert.True(d.Keep));
        Assert.All(decisions.Where(d => forgotten.Contains(d.Backup.Name)), d => Assert.Equal(d.Reasons.Contains(RetentionReasons.NewestVerified), d.Keep));
        var newestVerified = history.Where(b => b.Verified).OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Name, StringComparer.Ordinal).FirstOrDefault();
        if (newestVerified is not null)
        {
            Assert.True(decisions.Single(d => d.Backup.Name == newestVerified.Name).Keep, $"newest verified {newestVerified.Name} deleted");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Decide_OnWhatItKept_DeletesNothingMore(int seed)
    {
        var random = new Random(seed);
        var history = History(random);
        var policy = Policy(random);
        var forgotten = Forgotten(random, history);

        var kept = RetentionPlanner.Decide(history, policy, forgotten).Where(d => d.Keep).Select(d => d.Backup).ToList();
        var again = RetentionPlanner.Decide(kept, policy, forgotten);

        Assert.All(again, d => Assert.True(d.Keep, $"{d.Backup.Name} deleted on the second run under {policy}"));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Decide_WithALargerPolicy_KeepsASuperset(int seed)
    {
        var random = new Random(seed);
        var history = History(random);

        // The empty policy removes nothing, so it is larger than any other; start from a real one.
        var policy = Policy(random);
        policy = policy.IsEmpty ? policy with { KeepLast = 1 } : policy;
        var larger = Larger(random, policy);

        var small = RetentionPlanner.Decide(history, policy).Where(d => d.Keep).Select(d => d.Backup.Name).ToHashSet(StringComparer.Ordinal);
        var large = RetentionPlanner.Decide(history, larger).Where(d => d.Keep).Select(d => d.Backup.Name).ToHashSet(StringComparer.Ordinal);

        Assert.True(small.IsSubsetOf(large), $"{policy} kept {string.Join(", ", small.Except(large))} that {larger} deletes");
    }

    /// <summary>Irregular, gappy histories: bursts minutes apart, days of nothing, a few same-second twins, random tags and failed verifications.</summary>
    private static List<RetentionCandidate> History(Random random)
    {
        var count = random.Next(1, 600);
        var time = new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero) - TimeSpan.FromMinutes(random.Next(0, 100_000));
        var history = new List<RetentionCandidate>(count);
        for (var i = 0; i < count; i++)
        {
            string[] tags = random.Next(20) switch
            {
                0 => [RetentionPolicy.PreUpgradeTag],
                1 => ["manual"],
                2 => ["manual", "nightly"],
                _ => [],
            };
            history.Add(new RetentionCandidate($"b{i:0000}", time, tags, Verified: random.Next(5) > 0));
            var step = random.Next(10) switch
            {
                0 => TimeSpan.FromDays(random.Next(5, 90)),
                1 => TimeSpan.Zero,
                < 5 => TimeSpan.FromMinutes(random.Next(1, 120)),
                _ => TimeSpan.FromHours(random.Next(1, 30)),
            };
            time -= step;
        }

        return history;
    }

    private static RetentionPolicy Policy(Random random) => new()
    {
        KeepLast = Count(random),
        KeepHourly = Count(random),
        KeepDaily = Count(random),
        KeepWeekly = Count(random),
        KeepMonthly = Count(random),
        KeepYearly = Count(random),
        KeepWithin = Span(random),
        KeepWithinDaily = Span(random),
        KeepWithinWeekly = Span(random),
        KeepTags = random.Next(4) == 0 ? ["manual"] : [],
        TimeZone = random.Next(3) switch
        {
            0 => TimeZoneInfo.Utc,
            1 => Backups.Zone("Asia/Seoul"),
            _ => Backups.Zone("America/New_York"),
        },
    };

    private static RetentionPolicy Larger(Random random, RetentionPolicy policy) => policy with
    {
        KeepLast = Grow(random, policy.KeepLast),
        KeepHourly = Grow(random, policy.KeepHourly),
        KeepDaily = Grow(random, policy.KeepDaily),
        KeepWeekly = Grow(random, policy.KeepWeekly),
        KeepMonthly = Grow(random, policy.KeepMonthly),
        KeepYearly = Grow(random, policy.KeepYearly),
        KeepWithin = Grow(random, policy.KeepWithin),
        KeepWithinDaily = Grow(random, policy.KeepWithinDaily),
        KeepWithinWeekly = Grow(random, policy.KeepWithinWeekly),
        KeepTags = [.. policy.KeepTags, .. random.Next(2) == 0 ? new[] { "nightly" } : []],
    };

    private static int Count(Random random) => random.Next(8) switch
    {
        < 4 => 0,
        7 => -1,
        _ => random.Next(1, 15),
    };

    private static int Grow(Random random, int count) => count == -1 ? -1 : random.Next(4) switch
    {
        0 => -1,
        1 => count,
        _ => count + random.Next(1, 10),
    };

    private static RetentionSpan? Span(Random random) => random.Next(4) == 0 ? new RetentionSpan(0, random.Next(0, 3), random.Next(1, 20), random.Next(0, 24)) : null;

    private static RetentionSpan? Grow(Random random, RetentionSpan? span) => random.Next(3) switch
    {
        0 => span,
        _ => span is { } s ? s with { Days = s.Days + random.Next(1, 30) } : new RetentionSpan(0, 0, random.Next(1, 30), 0),
    };

    private static HashSet<string> Forgotten(Random random, List<RetentionCandidate> history) =>
        history.Where(_ => random.Next(30) == 0).Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
}
