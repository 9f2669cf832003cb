using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

public sealed class RetentionCalendarTests
{
    private static readonly RetentionCandidate[] AroundSeoulMidnight =
    [
        Backups.At("2026-11-23T16:00Z"), Backups.At("2026-11-23T15:30Z"), Backups.At("2026-11-23T14:00Z"), Backups.At("2026-11-22T12:00Z"),
    ];

    [Fact]
    public void DailyTier_InUtc_SplitsDaysAtUtcMidnight()
    {
        var decisions = RetentionPlanner.Decide(AroundSeoulMidnight, new RetentionPolicy { KeepDaily = 2 });

        Assert.Equal(["2026-11-23T16:00", "2026-11-22T12:00"], Backups.KeptTimes(decisions));
        Assert.Equal("daily tier: newest of 2026-11-22", decisions[3].Reasons[0]);
    }

    [Fact]
    public void DailyTier_InAsiaSeoul_SplitsDaysAtSeoulMidnight()
    {
        // 15:00 UTC is midnight in Seoul: 16:00Z and 15:30Z fall on the 24th there, 14:00Z on the 23rd.
        var decisions = RetentionPlanner.Decide(AroundSeoulMidnight, new RetentionPolicy { KeepDaily = 2, TimeZone = Backups.Zone("Asia/Seoul") });

        Assert.Equal(["2026-11-23T16:00", "2026-11-23T14:00"], Backups.KeptTimes(decisions));
        Assert.Equal("daily tier: newest of 2026-11-24", decisions[0].Reasons[0]);
        Assert.Equal("daily tier: newest of 2026-11-23", decisions[2].Reasons[0]);
    }

    [Fact]
    public void WeeklyTier_InAYearWithWeek53_GroupsTheDaysAcrossNewYear()
    {
        // 2026 starts on a Thursday, so it has an ISO week 53: Monday 28 December 2026 to Sunday 3 January 2027.
        RetentionCandidate[] history =
        [
            Backups.At("2027-01-04T12:00Z"), Backups.At("2027-01-03T12:00Z"), Backups.At("2026-12-28T12:00Z"), Backups.At("2026-12-27T12:00Z"),
        ];

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepWeekly = 2 });

        Assert.Equal(["2027-01-04T12:00", "2027-01-03T12:00"], Backups.KeptTimes(decisions));
        Assert.Equal("weekly tier: newest of ISO week 2027-W01", decisions[0].Reasons[0]);
        Assert.Equal("weekly tier: newest of ISO week 2026-W53", decisions[1].Reasons[0]);
    }

    [Fact]
    public void WeeklyAndYearlyTiers_AtAYearBoundary_UseIsoWeekYearAndCalendarYear()
    {
        // Monday 30 December 2024 belongs to ISO week 2025-W01 but to calendar year 2024.
        RetentionCandidate[] history =
        [
            Backups.At("2025-01-05T12:00Z"), Backups.At("2024-12-30T12:00Z"), Backups.At("2024-12-29T12:00Z"), Backups.At("2024-12-28T12:00Z"),
        ];

        var weekly = RetentionPlanner.Decide(history, new RetentionPolicy { KeepWeekly = 2 });
        var yearly = RetentionPlanner.Decide(history, new RetentionPolicy { KeepYearly = 2 });

        Assert.Equal(["2025-01-05T12:00", "2024-12-29T12:00"], Backups.KeptTimes(weekly));
        Assert.Equal("weekly tier: newest of ISO week 2024-W52", weekly[2].Reasons[0]);
        Assert.Equal(["2025-01-05T12:00", "2024-12-30T12:00"], Backups.KeptTimes(yearly));
        Assert.Equal("yearly tier: newest of 2024", yearly[1].Reasons[0]);
    }

    [Fact]
    public void HourlyTier_WhenClocksFallBack_TreatsTheRepeatedHourAsOneBucket()
    {
        // Berlin leaves summer time at 01:00 UTC on 25 October 2026: 00:00Z and 01:00Z are both 02:00 local.
        var history = Backups.Every(TimeSpan.FromHours(1), "2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z");

        var utc = RetentionPlanner.Decide(history, new RetentionPolicy { KeepHourly = 6 });
        var berlin = RetentionPlanner.Decide(history, new RetentionPolicy { KeepHourly = 6, TimeZone = Backups.Zone("Europe/Berlin") });

        Assert.Equal(6, utc.Count(d => d.Keep));
        Assert.DoesNotContain("2026-10-25T00:00", Backups.KeptTimes(berlin));
        Assert.Equal("hourly tier: newest of 2026-10-25 02:00", berlin.Single(d => d.Backup.Name == "20261025T010000Z").Reasons[0]);
        Assert.Equal("2026-10-24T22:00", Backups.KeptTimes(berlin)[^1]);
    }

    [Fact]
    public void KeepWithinDaily_KeepsTheNewestOfEachDayInsideTheSpanOnly()
    {
        var history = Backups.Every(TimeSpan.FromHours(6), "2026-11-01T00:00:00Z", "2026-11-10T18:00:00Z");

        var decisions = RetentionPlanner.Decide(history, new RetentionPolicy { KeepWithinDaily = Backups.Span("3d") });

        // Three days before 10 Nov 18:00 is 7 Nov 18:00 (excluded): days 10, 9, 8 keep their 18:00 backup.
        Assert.Equal(["2026-11-10T18:00", "2026-11-09T18:00", "2026-11-08T18:00"], Backups.KeptTimes(decisions));
        Assert.Equal("daily within 3d: newest of 2026-11-09", decisions[4].Reasons[0]);
    }
}
