using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

public sealed class RetentionPlannerTests
{
    [Fact]
    public void KeepDaily_OnTwelveWeeklyBackups_KeepsTheLastFourAsResticsDocumentedExample()
    {
        // restic's forget docs: one backup every Sunday for 12 weeks, forget --keep-daily 4.
        var history = Backups.Every(TimeSpan.FromDays(7), "2019-09-01T11:00:00Z", "2019-11-17T11:00:00Z");

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepDaily = 4 });

        Assert.Equal(12, decisions.Count);
        Assert.Equal(["2019-11-17T11:00", "2019-11-10T11:00", "2019-11-03T11:00", "2019-10-27T11:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["daily tier: newest of 2019-11-17", RetentionReasons.NewestVerified], decisions[0].Reasons);
        Assert.All(decisions.Skip(4), d => Assert.Equal([RetentionReasons.NotKept], d.Reasons));
    }

    [Fact]
    public void DailyBackupsForAHundredYears_KeepAsResticsDocumentedExampleCounts()
    {
        // restic's docs: daily for 100 years with --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 keeps
        // 7 daily, 4 more weekly (the dailies include one), 11 or 12 monthly and 74 or 75 yearly.
        var history = Backups.Every(TimeSpan.FromDays(1), "1926-11-30T02:00:00Z", "2026-11-29T02:00:00Z");
        var policy = new RetentionPolicy { KeepDaily = 7, KeepWeekly = 5, KeepMonthly = 12, KeepYearly = 75 };

        var decisions = RetentionPlanner.Decide(history, policy);

        var kept = decisions.Where(d => d.Keep).ToList();
        Assert.Equal(7, kept.Count(d => d.Reasons.Any(r => r.StartsWith("daily tier", StringComparison.Ordinal))));
        Assert.Equal(5, kept.Count(d => d.Reasons.Any(r => r.StartsWith("weekly tier", StringComparison.Ordinal))));
        Assert.Equal(4, kept.Count(d => d.Reasons.All(r => r.StartsWith("weekly tier", StringComparison.Ordinal))));
        Assert.Equal(12, kept.Count(d => d.Reasons.Any(r => r.StartsWith("monthly tier", StringComparison.Ordinal))));
        Assert.Equal(75, kept.Count(d => d.Reasons.Any(r => r.StartsWith("yearly tier", StringComparison.Ordinal))));

        // 2026 and 2025 are already kept (by the dailies and by December 2025's monthly), so 73 years are added.
        Assert.Equal(7 + 4 + 11 + 73, kept.Count);
        Assert.Equal("1952-12-31T02:00", Backups.KeptTimes(decisions)[^1]);
    }

    [Fact]
    public void SeedDefault_OverAYearOfHourlyBackups_Keeps7Daily4Weekly12Monthly()
    {
        var history = Backups.Every(TimeSpan.FromHours(1), "2025-12-01T00:00:00Z", "2026-11-30T23:00:00Z");

        var decisions = RetentionPlanner.Decide(history, RetentionPolicy.SeedDefault);

        Assert.Equal(8760, decisions.Count);
        Assert.Equal(
            [
                "2026-11-30T23:00", "2026-11-29T23:00", "2026-11-28T23:00", "2026-11-27T23:00", "2026-11-26T23:00", "2026-11-25T23:00",
                "2026-11-24T23:00", "2026-11-22T23:00", "2026-11-15T23:00", "2026-10-31T23:00", "2026-09-30T23:00", "2026-08-31T23:00",
                "2026-07-31T23:00", "2026-06-30T23:00", "2026-05-31T23:00", "2026-04-30T23:00", "2026-03-31T23:00", "2026-02-28T23:00",
                "2026-01-31T23:00", "2025-12-31T23:00",
            ],
            Backups.KeptTimes(decisions));
        var sunday = decisions.Single(d => d.Backup.Name == "20261115T230000Z");
        Assert.Equal(["weekly tier: newest of ISO week 2026-W46"], sunday.Reasons);
        Assert.Equal(
            ["daily tier: newest of 2026-11-30", "weekly tier: newest of ISO week 2026-W49", "monthly tier: newest of 2026-11", RetentionReasons.NewestVerified],
            decisions[0].Reasons);
    }

    [Fact]
    public void KeepLast_KeepsTheNewestNAndSaysSo()
    {
        var history = Backups.Every(TimeSpan.FromHours(1), "2026-11-23T00:00:00Z", "2026-11-23T09:00:00Z");

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepLast = 3 });

        Assert.Equal(["2026-11-23T09:00", "2026-11-23T08:00", "2026-11-23T07:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["last 3"], decisions[2].Reasons);
    }

    [Fact]
    public void KeepWithin_CountsFromTheNewestBackupNotFromNow()
    {
        // The newest backup is months old: keep-within still keeps the three days before it (strictly after the boundary).
        var history = Backups.Every(TimeSpan.FromDays(1), "2026-01-01T06:00:00Z", "2026-01-10T06:00:00Z");

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepWithin = Backups.Span("3d") });

        Assert.Equal(["2026-01-10T06:00", "2026-01-09T06:00", "2026-01-08T06:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["within 3d of the newest backup"], decisions[1].Reasons);
    }

    [Fact]
    public void Tier_WithBucketsLeftAtTheOldestBackup_KeepsItAsResticDoes()
    {
        RetentionCandidate[] history = [Backups.At("2026-11-23T10:00Z"), Backups.At("2026-11-22T18:00Z"), Backups.At("2026-11-22T06:00Z")];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepDaily = 7 });

        Assert.All(decisions, d => Assert.True(d.Keep));
        Assert.Equal(["daily tier: oldest backup, kept while 5 of 7 days are unused"], decisions[2].Reasons);
    }

    [Fact]
    public void UnlimitedTier_KeepsTheNewestOfEveryBucketOverGaps()
    {
        RetentionCandidate[] history =
        [
            Backups.At("2026-01-01T01:00Z"), Backups.At("2026-01-01T02:00Z"), Backups.At("2026-03-15T09:00Z"),
            Backups.At("2026-03-15T08:00Z"), Backups.At("2026-07-04T12:00Z"), Backups.At("2026-07-04T13:00Z"),
        ];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepDaily = -1 });

        // The oldest (01:00 on 1 January) is kept too: an unlimited tier always has buckets left.
        Assert.Equal(["2026-07-04T13:00", "2026-03-15T09:00", "2026-01-01T02:00", "2026-01-01T01:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["daily tier: oldest backup, kept while all days are kept"], decisions[^1].Reasons);
    }

    [Fact]
    public void KeepTag_WithCommaList_KeepsOnlyBackupsCarryingEveryTag()
    {
        RetentionCandidate[] history =
        [
            Backups.At("2026-11-23T04:00Z", "a", "b"), Backups.At("2026-11-23T03:00Z", "a"), Backups.At("2026-11-23T02:00Z", "b"),
            Backups.At("2026-11-23T05:00Z").Unverified(),
        ];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepTags = ["a,b"] });

        Assert.Equal(["2026-11-23T04:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["tag a,b: kept by keep-tag", RetentionReasons.NewestVerified], decisions[1].Reasons);
    }

    [Fact]
    public void KeepTag_Empty_KeepsUntaggedBackupsAsRestic()
    {
        RetentionCandidate[] history = [Backups.At("2026-11-23T04:00Z", "manual"), Backups.At("2026-11-23T03:00Z"), Backups.At("2026-11-23T02:00Z", "nightly")];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepTags = [""] });

        Assert.Equal(["2026-11-23T04:00", "2026-11-23T03:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["untagged: kept by keep-tag ''"], decisions[1].Reasons);
    }

    [Fact]
    public void PreUpgrade_IsKeptForeverUnlessNamedExplicitly()
    {
        var history = Backups.Every(TimeSpan.FromHours(1), "2026-11-01T00:00:00Z", "2026-11-23T00:00:00Z");
        history.Add(Backups.At("2026-11-02T03:30Z", RetentionPolicy.PreUpgradeTag));
        history.Add(Backups.At("2026-11-05T03:30Z", RetentionPolicy.PreUpgradeTag));

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepLast = 1 }, new HashSet<string>(StringComparer.Ordinal) { "20261105T033000Z" });

        var old = decisions.Single(d => d.Backup.Name == "20261102T033000Z");
        Assert.True(old.Keep);
        Assert.Equal([RetentionReasons.PreUpgrade], old.Reasons);
        var named = decisions.Single(d => d.Backup.Name == "20261105T033000Z");
        Assert.False(named.Keep);
        Assert.Equal([RetentionReasons.Forgotten], named.Reasons);
        Assert.Equal(2, decisions.Count(d => d.Keep));
    }

    [Fact]
    public void NewestVerified_IsKeptEvenWhenNoRuleKeepsItAndWhenNamed()
    {
        RetentionCandidate[] history =
        [
            Backups.At("2026-11-23T03:00Z").Unverified(), Backups.At("2026-11-23T02:00Z").Unverified(),
            Backups.At("2026-11-23T01:00Z"), Backups.At("2026-11-23T00:00Z"),
        ];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepLast = 1 });
        Assert.Equal(["2026-11-23T03:00", "2026-11-23T01:00"], Backups.KeptTimes(decisions));
        Assert.Equal([RetentionReasons.NewestVerified], decisions[2].Reasons);

        var named = RetentionPlanner.Decide(history, new RetentionPolicy { KeepLast = 1 }, new HashSet<string>(StringComparer.Ordinal) { "20261123T010000Z" });
        Assert.True(named[2].Keep);
        Assert.Equal([RetentionReasons.NewestVerified, RetentionReasons.ForgottenRefused], named[2].Reasons);
    }

    [Fact]
    public void ForgottenBackups_TakeNoBucket()
    {
        RetentionCandidate[] history = [Backups.At("2026-11-23T03:00Z"), Backups.At("2026-11-23T02:00Z"), Backups.At("2026-11-22T02:00Z")];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepDaily = 1 }, new HashSet<string>(StringComparer.Ordinal) { "20261123T030000Z" });

        // The newest is forgotten but is the newest verified, so it stays; 02:00 on the 23rd still gets the day's bucket.
        Assert.Equal(["2026-11-23T03:00", "2026-11-23T02:00"], Backups.KeptTimes(decisions));
        Assert.Equal(["daily tier: newest of 2026-11-23"], decisions[1].Reasons);
    }

    [Fact]
    public void EmptyPolicy_RemovesNothingButWhatIsNamed()
    {
        RetentionCandidate[] history = [Backups.At("2026-11-23T03:00Z"), Backups.At("2026-11-23T02:00Z"), Backups.At("2026-11-22T02:00Z")];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy(), new HashSet<string>(StringComparer.Ordinal) { "20261122T020000Z" });

        Assert.True(new RetentionPolicy().IsEmpty);
        Assert.False(RetentionPolicy.SeedDefault.IsEmpty);
        Assert.Equal(["2026-11-23T03:00", "2026-11-23T02:00"], Backups.KeptTimes(decisions));
        Assert.Equal([RetentionReasons.EmptyPolicy], decisions[1].Reasons);
        Assert.Equal([RetentionReasons.Forgotten], decisions[2].Reasons);
    }

    [Fact]
    public void Decide_OnShuffledInput_GivesTheSameDecisionsNewestFirst()
    {
        var history = Backups.Every(TimeSpan.FromMinutes(37), "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z");
        history.Add(history[100] with { Name = history[100].Name + "-twin" });
        var shuffled = history.ToArray();
        new Random(7).Shuffle(shuffled);
        var policy = new RetentionPolicy { KeepLast = 2, KeepHourly = 30, KeepDaily = 10, KeepWeekly = 3 };

        var a = RetentionPlanner.Decide(history, policy);
        var b = RetentionPlanner.Decide(shuffled, policy);

        Assert.Equal(a.Select(d => (d.Backup.Name, d.Keep, string.Join('|', d.Reasons))), b.Select(d => (d.Backup.Name, d.Keep, string.Join('|', d.Reasons))));
        Assert.True(a.Zip(a.Skip(1)).All(p => p.First.Backup.CreatedAt >= p.Second.Backup.CreatedAt));
    }

    [Fact]
    public void Decide_OnTenThousandIrregularBackups_KeepsOnePerBucket()
    {
        var random = new Random(10_000);
        var time = Backups.Time("2026-11-30T23:59:00Z");
        var history = new List<RetentionCandidate>();
        for (var i = 0; i < 10_000; i++)
        {
            history.Add(new RetentionCandidate($"b{i:00000}", time, [], Verified: true));
            time -= TimeSpan.FromMinutes(random.Next(1, 180));
        }

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepHourly = -1 });

        var hours = history.Select(b => b.CreatedAt.UtcDateTime.ToString("yyyyMMddHH", System.Globalization.CultureInfo.InvariantCulture)).Distinct().Count();
        Assert.Equal(10_000, decisions.Count);

        // One per hour that has backups, plus the oldest (an unlimited tier has buckets left at the end).
        var kept = decisions.Count(d => d.Keep);
        Assert.True(kept == hours || kept == hours + 1, $"kept {kept}, hours {hours}");
    }
}
