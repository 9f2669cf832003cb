using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

public sealed class RetentionSimulatorTests
{
    private static readonly DateTimeOffset Until = Backups.Time("2026-12-01T00:00:00Z");

    [Fact]
    public void History_OneEveryHourFor400Days_EndsAtUntilWithTaggedExtras()
    {
        var simulation = new RetentionSimulation(TimeSpan.FromHours(1), Backups.Span("400d"), Until, [new TaggedTime(Backups.Time("2026-10-02T09:30:00Z"), "pre-upgrade")]);

        var history = RetentionSimulator.History(simulation, TimeZoneInfo.Utc);

        Assert.Equal((400 * 24) + 1 + 1, history.Count);
        Assert.Equal(Until, history[0].CreatedAt);
        Assert.Equal(Backups.Time("2025-10-27T00:00:00Z"), history[^2].CreatedAt);
        Assert.Equal(["pre-upgrade"], history[^1].Tags);
        Assert.All(history, b => Assert.True(b.Verified));
        Assert.Equal(history.Count, history.Select(b => b.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Run_WithTheSeedDefault_KeepsTheTiersAndThePreUpgradeBackup()
    {
        var simulation = new RetentionSimulation(TimeSpan.FromHours(1), Backups.Span("400d"), Until, [new TaggedTime(Backups.Time("2026-10-02T09:30:00Z"), "pre-upgrade")]);

        var decisions = RetentionSimulator.Run(simulation, RetentionPolicy.SeedDefault);

        Assert.Equal(20, decisions.Count(d => d.Keep));
        Assert.Contains("2026-10-02T09:30", Backups.KeptTimes(decisions));
        Assert.Equal("2026-01-31T23:00", Backups.KeptTimes(decisions)[^1]);
    }

    [Fact]
    public void History_LargerThanTheLimit_IsRefusedWithTheCount()
    {
        var simulation = new RetentionSimulation(TimeSpan.FromSeconds(1), Backups.Span("1y"), Until, []);

        var error = Assert.Throws<ArgumentException>(() => RetentionSimulator.History(simulation, TimeZoneInfo.Utc));

        Assert.Contains("31,536,001 backups, more than 1,000,000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-20T03:00:00Z=pre-upgrade", "2026-11-20T03:00:00Z", "pre-upgrade")]
    [InlineData("2026-11-20T12:00:00+09:00=manual", "2026-11-20T03:00:00Z", "manual")]
    [InlineData("2026-11-20=a=b", "2026-11-20T00:00:00Z", "a=b")]
    public void TaggedTime_Parses(string text, string time, string tag)
    {
        Assert.True(TaggedTime.TryParse(text, out var tagged));
        Assert.Equal(new TaggedTime(Backups.Time(time), tag), tagged);
    }

    [Theory]
    [InlineData("2026-11-20T03:00:00Z")]
    [InlineData("2026-11-20T03:00:00Z=")]
    [InlineData("=pre-upgrade")]
    [InlineData("yesterday=pre-upgrade")]
    public void TaggedTime_Nonsense_Fails(string text) => Assert.False(TaggedTime.TryParse(text, out _));
}
