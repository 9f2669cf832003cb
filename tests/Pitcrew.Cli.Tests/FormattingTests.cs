using Pitcrew.Cli.Output;
using Pitcrew.Cli.UpgradeCommands;

namespace Pitcrew.Cli.Tests;

public sealed class FormattingTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(9, "9 B")]
    [InlineData(24576, "25 kB")]
    [InlineData(35033088, "35 MB")]
    [InlineData(5_500_000, "5.5 MB")]
    [InlineData(1_073_741_824, "1.1 GB")]
    public void Si_FormatsLikeEtcdctl(long bytes, string expected) => Assert.Equal(expected, HumanBytes.Si(bytes));

    [Theory]
    [InlineData("5s", 5000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1500)]
    public void GoDuration_ParsesEtcdctlDurations(string text, double milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("five seconds")]
    [InlineData("5s junk")]
    public void GoDuration_RejectsOtherText(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(0.25, "250µs")]
    [InlineData(141.1244, "141ms")]
    [InlineData(1_500, "1.5s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(300_000, "5m0s")]
    [InlineData(3_600_000, "1h0m0s")]
    [InlineData(90_061_000, "25h1m1s")]
    [InlineData(-2_000, "-2s")]
    public void GoDuration_FormatsAsGoPrintsDurations(double milliseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData("1d", 86_400_000)]
    [InlineData("1w", 604_800_000)]
    [InlineData("1h30m", 5_400_000)]
    public void GoDuration_ReadsDaysAndWeeksOnlyWhereAsked(string text, double milliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration, daysAndWeeks: true));
        Assert.Equal(milliseconds, duration.TotalMilliseconds);
        Assert.Equal(!text.EndsWith('d') && !text.EndsWith('w'), GoDuration.TryParse(text, out _));
    }

    [Fact]
    public void TextTable_GivesACellOfSeveralLinesATallRow_AndSizesColumnsByTheLongestLine()
    {
        var lines = TextTable.Format(["CHECK", "RESULT", "EVIDENCE", "TO DO"],
        [
            ["nodes Ready", "PASS", "3/3 nodes Ready", string.Empty],
            ["drainable", "FAIL", "node/w-1: a\nnode/w-2: a longer line", "fix it"],
        ]).ToList();

        Assert.Equal(
        [
            "CHECK         RESULT   EVIDENCE                  TO DO",
            "nodes Ready   PASS     3/3 nodes Ready",
            "drainable     FAIL     node/w-1: a               fix it",
            "                       node/w-2: a longer line",
        ], lines);
    }
}
