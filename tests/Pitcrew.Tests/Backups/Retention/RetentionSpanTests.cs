using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

public sealed class RetentionSpanTests
{
    [Theory]
    [InlineData("1h", 0, 0, 0, 1, "1h")]
    [InlineData("30d", 0, 0, 30, 0, "30d")]
    [InlineData("2w", 0, 0, 14, 0, "14d")]
    [InlineData("1y2m3d4h", 1, 2, 3, 4, "1y2m3d4h")]
    [InlineData("4h1y", 1, 0, 0, 4, "1y4h")]
    [InlineData("13d23h", 0, 0, 13, 23, "13d23h")]
    [InlineData("9999y", 9999, 0, 0, 0, "9999y")]
    public void TryParse_ResticSpans_ReadsEachPart(string text, int years, int months, int days, int hours, string printed)
    {
        Assert.True(RetentionSpan.TryParse(text, out var span));
        Assert.Equal(new RetentionSpan(years, months, days, hours), span);
        Assert.Equal(printed, span.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("d")]
    [InlineData("1x")]
    [InlineData("1.5d")]
    [InlineData("-1d")]
    [InlineData("1d ")]
    [InlineData("99999999999d")]
    public void TryParse_Nonsense_Fails(string text) => Assert.False(RetentionSpan.TryParse(text, out _));

    [Theory]
    [InlineData("1m", "2026-03-31T00:00:00Z", "2026-03-03T00:00:00Z")] // Go's AddDate: 31 February normalises to 3 March.
    [InlineData("1y", "2024-02-29T12:00:00Z", "2023-03-01T12:00:00Z")]
    [InlineData("1m14d", "2016-01-18T12:02:03Z", "2015-12-04T12:02:03Z")]
    [InlineData("2m2h", "2016-01-18T12:02:03Z", "2015-11-18T10:02:03Z")]
    [InlineData("1y2m3d3h", "2016-01-18T12:02:03Z", "2014-11-15T09:02:03Z")]
    public void Before_SubtractsCalendarPartsThenHours(string span, string instant, string expected) =>
        Assert.Equal(Backups.Time(expected), Backups.Span(span).Before(Backups.Time(instant), TimeZoneInfo.Utc));

    [Fact]
    public void Before_OneDayAcrossSpringForward_IsACalendarDay()
    {
        // Berlin skips 02:00-03:00 on 29 March 2026: noon to noon is 23 hours.
        var noon = Backups.Time("2026-03-29T10:00:00Z");

        var before = Backups.Span("1d").Before(noon, Backups.Zone("Europe/Berlin"));

        Assert.Equal(Backups.Time("2026-03-28T11:00:00Z"), before);
    }

    [Fact]
    public void FromTimeSpan_KeepsWholeDaysAndHours()
    {
        RetentionSpan span = TimeSpan.FromDays(30) + TimeSpan.FromHours(5) + TimeSpan.FromMinutes(10);

        Assert.Equal(new RetentionSpan(0, 0, 30, 5), span);
        Assert.False(span.IsZero);
        Assert.True(default(RetentionSpan).IsZero);
    }

    [Fact]
    public void Before_FarBeyondYearOne_IsTheEarliestInstant() =>
        Assert.Equal(DateTimeOffset.MinValue, Backups.Span("9999y").Before(Backups.Time("2026-01-01T00:00:00Z"), TimeZoneInfo.Utc));
}
