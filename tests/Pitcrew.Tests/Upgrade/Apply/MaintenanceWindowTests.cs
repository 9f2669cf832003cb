using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Tests.Upgrade.Apply;

public sealed class MaintenanceWindowTests
{
    [Fact]
    public void ASaturdayNightWindowInSeoul_IsOpenOnlyThen_AndNamesTheNextOpening()
    {
        var window = MaintenanceWindow.Parse("Sat 01:00-05:00 Asia/Seoul");

        // Saturday 2026-12-05 02:00 in Seoul (UTC+9) is Friday 17:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero), window.OpenUntil(new DateTimeOffset(2026, 12, 4, 17, 0, 0, TimeSpan.Zero)));
        Assert.Null(window.OpenUntil(new DateTimeOffset(2026, 12, 4, 20, 0, 0, TimeSpan.Zero)));
        Assert.Null(window.OpenUntil(new DateTimeOffset(2026, 12, 1, 17, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 16, 0, 0, TimeSpan.Zero), window.NextOpening(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 12, 11, 16, 0, 0, TimeSpan.Zero), window.NextOpening(new DateTimeOffset(2026, 12, 4, 17, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void AWindowAcrossMidnight_BelongsToTheDayItStarts()
    {
        var window = MaintenanceWindow.Parse("Mon-Fri 22:00-02:00 UTC");

        Assert.NotNull(window.OpenUntil(new DateTimeOffset(2026, 12, 5, 1, 0, 0, TimeSpan.Zero))); // Saturday 01:00, from Friday 22:00
        Assert.Null(window.OpenUntil(new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero))); // Sunday 01:00: Saturday has no window
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 2, 0, 0, TimeSpan.Zero), window.OpenUntil(new DateTimeOffset(2026, 12, 1, 23, 30, 0, TimeSpan.Zero)));
        Assert.NotNull(MaintenanceWindow.Parse("daily 00:00-06:00").OpenUntil(new DateTimeOffset(2026, 12, 6, 3, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void AClockChange_MovesASkippedStartToTheHourAfter()
    {
        // Europe/Berlin springs forward on 2026-03-29 at 02:00 local; 02:30 does not exist that night.
        var window = MaintenanceWindow.Parse("Sun 02:30-04:00 Europe/Berlin");
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), window.NextOpening(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("Sat 01:00-05:00 Mars/Olympus", "unknown time zone")]
    [InlineData("Caturday 01:00-05:00", "is not a day")]
    [InlineData("Sat 25:00-05:00", "is not a time of day")]
    [InlineData("Sat 01:00-01:00", "starts and ends at the same time")]
    [InlineData("Sat 1am-5am", "want DAYS HH:MM-HH:MM")]
    public void BadWindows_AreUsageErrorsThatSayWhy(string text, string why)
    {
        var error = Assert.Throws<PitcrewException>(() => MaintenanceWindow.Parse(text));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }
}
