using Pitcrew.Cluster;
using Pitcrew.Nodes;

namespace Pitcrew.Tests.Nodes;

public sealed class DrainForecastTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static DrainForecastResult Forecast(IReadOnlyList<PodFacts> pods, IReadOnlyList<BudgetFacts> budgets, params NodeFacts[] others)
    {
        var node = Pods.Node("n1");
        var plan = DrainPlanner.Plan(node, [.. pods.Where(p => p.NodeName == "n1")], new HashSet<string>(), new DrainOptions(), Now);
        return DrainForecast.Predict([plan], budgets, [node, .. others], pods, new DrainOptions());
    }

    [Fact]
    public void Predict_BudgetAllowingNoneNow_BlocksAndNamesItsCounts()
    {
        var result = Forecast([Pods.Managed("web-1")], [Pods.Budget("web", allowed: 0, healthy: 2, desired: 2, expected: 3)], Pods.Node("n2"));
        var blocker = Assert.Single(result.Blockers);
        Assert.Equal(BlockerSeverity.Blocks, blocker.Severity);
        Assert.Equal("poddisruptionbudget/shop/web", blocker.Subject);
        Assert.Contains("needs 2 healthy, has 2", blocker.Message, StringComparison.Ordinal);
        Assert.False(result.CanProceed);
    }

    [Fact]
    public void Predict_BudgetThatCanNeverAllow_SaysTheWorkloadMustGrow()
    {
        var result = Forecast([Pods.Managed("db-1")], [Pods.Budget("db", allowed: 0, healthy: 2, desired: 2, expected: 2)], Pods.Node("n2"));
        Assert.Contains("allows no disruption at all", Assert.Single(result.Blockers).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_BudgetAllowingFewerThanTheNodeHolds_SlowsButProceeds()
    {
        var result = Forecast([Pods.Managed("web-1"), Pods.Managed("web-2")], [Pods.Budget("web", allowed: 1, healthy: 3, desired: 2, expected: 3)], Pods.Node("n2"));
        Assert.Equal(BlockerSeverity.Slows, Assert.Single(result.Blockers).Severity);
        Assert.True(result.CanProceed);
    }

    [Fact]
    public void Predict_PodUnderTwoBudgets_Blocks()
    {
        var budgets = new[] { Pods.Budget("a", 1, 3, 2, 3), Pods.Budget("b", 1, 3, 2, 3) };
        var result = Forecast([Pods.Managed("web-1")], budgets, Pods.Node("n2"));
        Assert.Contains(result.Blockers, b => b.Subject == "pod/shop/web-1" && b.Message.Contains("(500)", StringComparison.Ordinal));
    }

    [Fact]
    public void Predict_NoRoomElsewhere_BlocksOnCapacity()
    {
        var pods = new[] { Pods.Managed("web-1"), Pods.Managed("web-2"), Pods.Managed("big").OnNode("n2") with { Requests = new Capacity(950, 0, 1) } };
        var result = Forecast(pods, [], Pods.Node("n2", cpuMillis: 1000), Pods.Node("n3", unschedulable: true));
        var blocker = Assert.Single(result.Blockers);
        Assert.Equal("cluster", blocker.Subject);
        Assert.Contains("need cpu 200m", blocker.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_EnoughRoomAndNoBudgets_HasNoBlockers()
    {
        var result = Forecast([Pods.Managed("web-1")], [], Pods.Node("n2"));
        Assert.Empty(result.Blockers);
        Assert.True(result.CanProceed);
    }

    [Fact]
    public void Predict_PodABudgetHolds_IsDecidedBlockedWithTheBudgetNamed()
    {
        var pods = new[] { Pods.Managed("web-1"), Pods.Managed("api-1") with { Labels = new Dictionary<string, string> { ["app"] = "api" } } };
        var result = Forecast(pods, [Pods.Budget("web", allowed: 0, healthy: 2, desired: 2, expected: 3)], Pods.Node("n2"));

        var plan = Assert.Single(result.Plans);
        var held = Assert.Single(plan.Blocking);
        Assert.Equal("shop/web-1", held.Pod.Key);
        Assert.Equal("blocked by PodDisruptionBudget shop/web: allows no disruption now (needs 2 healthy, has 2)", held.Message);
        Assert.Contains("bypassing budgets", held.Hint, StringComparison.Ordinal);
        Assert.Equal(["shop/api-1"], plan.ToEvict.Select(p => p.Key));
        Assert.False(result.CanProceed);
        Assert.EndsWith("or pass --disable-eviction, which deletes the pods and bypasses every PodDisruptionBudget", Assert.Single(result.Blockers).Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_PodUnderTwoBudgets_IsDecidedBlocked()
    {
        var budgets = new[] { Pods.Budget("a", 1, 3, 2, 3), Pods.Budget("b", 1, 3, 2, 3) };
        var result = Forecast([Pods.Managed("web-1")], budgets, Pods.Node("n2"));
        var held = Assert.Single(Assert.Single(result.Plans).Blocking);
        Assert.StartsWith("blocked by PodDisruptionBudgets shop/a, shop/b", held.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Predict_WithDisableEviction_LeavesBudgetsOutOfTheDecisions()
    {
        var node = Pods.Node("n1");
        var options = new DrainOptions { DisableEviction = true };
        var plan = DrainPlanner.Plan(node, [Pods.Managed("web-1")], new HashSet<string>(), options, Now);
        var result = DrainForecast.Predict([plan], [Pods.Budget("web", 0, 2, 2, 3)], [node, Pods.Node("n2")], [Pods.Managed("web-1")], options);
        Assert.Empty(Assert.Single(result.Plans).Blocking);
        Assert.True(result.CanProceed);
    }
}
