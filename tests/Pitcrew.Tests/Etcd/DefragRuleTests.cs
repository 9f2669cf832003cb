using Pitcrew.Errors;
using Pitcrew.Etcd;

namespace Pitcrew.Tests.Etcd;

/// <summary>Defrag rules as etcd-defrag spells them: Go's precedence, type checks, clear errors.</summary>
public sealed class DefragRuleTests
{
    private const long MiB = 1024 * 1024;
    private static readonly DefragRuleInput Member = new(DbSize: 900 * MiB, DbSizeInUse: 600 * MiB, DbQuota: 1024 * MiB);

    [Theory]
    [InlineData("dbSize > dbQuota*80/100 || dbSize - dbSizeInUse > 200*1024*1024", true)]   // both true
    [InlineData("dbSize > dbQuota*90/100 && dbSize - dbSizeInUse > 200*1024*1024", false)]  // 87.9% of the quota
    [InlineData("dbQuotaUsage > 0.85", true)]
    [InlineData("dbQuotaUsage >= 0.9", false)]
    [InlineData("!(dbSizeInUse == 600*1024*1024)", false)]
    [InlineData("dbSizeInUse != dbSize", true)]
    [InlineData("1 + 2 * 3 == 7", true)]            // * before +
    [InlineData("(1 + 2) * 3 == 9", true)]
    [InlineData("10 - 4 - 3 == 3", true)]           // left to right
    [InlineData("7 % 4 == 3 && -1 < 0", true)]
    [InlineData("dbSize > 0 || dbSize < 0 && dbSize < 0", true)] // || binds looser than &&
    [InlineData("(dbSize > 0 || dbSize < 0) && dbSize < 0", false)]
    public void Rules_EvaluateWithGoPrecedence(string rule, bool expected) =>
        Assert.Equal(expected, DefragRule.Parse(rule).Evaluate(Member));

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("dbSize", "is not a condition")]
    [InlineData("dbSize >", "ends where a number")]
    [InlineData("dbSize > 1 && 2", "uses && on a number")]
    [InlineData("dbSize = 1", "has a single \"=\" at position 8: compare with ==")]
    [InlineData("dbsize > 1", "unknown variable \"dbsize\"")]
    [InlineData("(dbSize > 1", "misses a \")\"")]
    [InlineData("dbSize > 1 )", "left over")]
    [InlineData("dbSize > 1.2.3", "malformed number")]
    [InlineData("!dbSize", "uses ! on a number")]
    [InlineData("(dbSize > 1) + 1 > 0", "uses + on a condition")]
    public void ABadRule_IsAUsageErrorSayingWhy(string rule, string why)
    {
        var error = Assert.Throws<PitcrewException>(() => DefragRule.Parse(rule));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1_000, 850, true)]
    [InlineData(50, 44, true)]
    [InlineData(1_100, 1_010, false)]
    [InlineData(20, 20, false)]
    public void TheDefaultRule_IsTheDocumentedOne(long sizeMb, long inUseMb, bool worth) =>
        Assert.Equal(worth, DefragRule.Default.Evaluate(new DefragRuleInput(sizeMb * 1_000_000, inUseMb * 1_000_000, DefragPlanner.DefaultQuotaBytes)));

    [Fact]
    public void ARuleOverTheQuota_NamesTheQuotaInThePlan()
    {
        var status = new EndpointStatus("a", 1, 9, "3.4.23", 900 * MiB, 600 * MiB, 1, false, 4, 100, 100, 50, [], [], null);
        var step = Assert.Single(DefragPlanner.Plan([status], DefragRule.Parse("dbQuotaUsage > 0.95"), 1024 * MiB).Steps);
        Assert.False(step.Worth);
        Assert.EndsWith("87.9% of the quota: the rule is false, skipped", step.Reason, StringComparison.Ordinal);
    }
}
