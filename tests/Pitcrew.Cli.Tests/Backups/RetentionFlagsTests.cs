using System.CommandLine;
using Pitcrew.Backups.Retention;
using Pitcrew.Cli.BackupCommands;

namespace Pitcrew.Cli.Tests.Backups;

public sealed class RetentionFlagsTests
{
    [Fact]
    public void Bind_WithoutKeepFlags_IsTheSeedDefaultInTheGivenZone()
    {
        var policy = Bind("--time-zone", "Asia/Seoul");

        Assert.Equal(RetentionPolicy.SeedDefault with { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Seoul") }, policy);
        Assert.Equal((7, 4, 12), (policy.KeepDaily, policy.KeepWeekly, policy.KeepMonthly));
    }

    [Fact]
    public void Bind_WithAnyKeepFlag_UsesOnlyTheFlagsGiven()
    {
        var policy = Bind("--keep-last", "3", "--keep-yearly", "-1", "--keep-within", "1y2m", "--keep-within-daily", "7d", "--keep-tag", "manual", "--keep-tag", "a,b");

        Assert.Equal(3, policy.KeepLast);
        Assert.Equal(-1, policy.KeepYearly);
        Assert.Equal(0, policy.KeepDaily);
        Assert.Equal(new RetentionSpan(1, 2, 0, 0), policy.KeepWithin);
        Assert.Equal(new RetentionSpan(0, 0, 7, 0), policy.KeepWithinDaily);
        Assert.Equal(["manual", "a,b"], policy.KeepTags);
        Assert.Equal(TimeZoneInfo.Utc, policy.TimeZone);
    }

    [Fact]
    public void Bind_WithOnlyAKeepTag_IsNotTheDefault()
    {
        var policy = Bind("--keep-tag", "manual");

        Assert.Equal(0, policy.KeepDaily);
        Assert.False(policy.IsEmpty);
    }

    private static RetentionPolicy Bind(params string[] args)
    {
        var command = new RootCommand();
        RetentionFlags.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return RetentionFlags.Bind(parse);
    }
}
