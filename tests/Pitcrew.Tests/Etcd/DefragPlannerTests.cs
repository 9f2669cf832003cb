using Pitcrew.Etcd;

namespace Pitcrew.Tests.Etcd;

/// <summary>The defrag plan over statuses: order, the default rule, and the refusal when a member is down.</summary>
public sealed class DefragPlannerTests
{
    private const long MB = 1_000_000;

    private static EndpointStatus Member(string endpoint, ulong id, long size, long inUse, ulong leader = 1) =>
        new(endpoint, id, 9, "3.5.16", size, inUse, leader, false, 4, 100, 100, 50, [], [], null);

    [Fact]
    public void FollowersComeFirst_TheLeaderLast_WhateverOrderTheyWereGiven()
    {
        var (steps, problems) = DefragPlanner.Plan([Member("c", 1, 500 * MB, 100 * MB), Member("b", 2, 500 * MB, 100 * MB), Member("a", 3, 500 * MB, 100 * MB)]);
        Assert.Empty(problems);
        Assert.Equal(["a", "b", "c"], steps.Select(s => s.Endpoint));
        Assert.True(steps[^1].IsLeader);
    }

    [Theory]
    [InlineData(1_000, 850, true)]    // 150 MB free: at least 100 MB
    [InlineData(50, 44, true)]        // 6 MB free, 12% of the file
    [InlineData(1_100, 1_010, false)] // 90 MB free, 8%: under both
    [InlineData(20, 20, false)]       // nothing free
    public void TheDefaultRule_SkipsAMemberUnder10PercentAndUnder100MBFree(long sizeMb, long inUseMb, bool worth)
    {
        var step = Assert.Single(DefragPlanner.Plan([Member("a", 1, sizeMb * MB, inUseMb * MB)]).Steps);
        Assert.Equal(worth, step.Worth);
        Assert.Equal(worth, !step.Reason.EndsWith("skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void AMemberNotAnswering_RefusesThePlan()
    {
        var (steps, problems) = DefragPlanner.Plan([Member("a", 1, 50 * MB, 10 * MB), EndpointStatus.Failed("b", "connection refused")]);
        Assert.Empty(steps);
        Assert.Contains("etcd member at b does not answer (connection refused)", Assert.Single(problems), StringComparison.Ordinal);
    }
}
