using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

public sealed class RetentionPolicyTextTests
{
    [Fact]
    public void SeedDefault_ReadsAsTheStrategyTable() =>
        Assert.Equal("keep 7 daily, 4 weekly, 12 monthly backups; pre-upgrade forever", RetentionPolicy.SeedDefault.ToString());

    [Fact]
    public void EveryRule_IsNamedOnce()
    {
        var policy = new RetentionPolicy
        {
            KeepLast = 3,
            KeepHourly = 24,
            KeepYearly = -1,
            KeepWithin = Backups.Span("30d"),
            KeepWithinDaily = Backups.Span("1y"),
            KeepTags = ["manual", "a,b"],
            TimeZone = Backups.Zone("Asia/Seoul"),
        };

        Assert.Equal(
            "keep the last 3, 24 hourly, all yearly backups; daily backups within 1y; all backups within 30d of the newest; "
            + "all backups tagged manual or a,b; pre-upgrade forever (calendar in Asia/Seoul)",
            policy.ToString());
    }

    [Fact]
    public void EmptyPolicy_SaysItKeepsEverything() =>
        Assert.Equal("keep every backup (no keep rule); pre-upgrade forever", new RetentionPolicy().ToString());
}
