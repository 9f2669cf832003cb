using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;
using Pitcrew.Nodes;

namespace Pitcrew.Cli.Tests.Drain;

/// <summary>The drain plan's text: its counts, rows and verdict tell one story.</summary>
public sealed class DrainPlanRendererTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Render_PodABudgetBlocks_CountsAndShowsItBlockedAndTheVerdictAgrees()
    {
        var node = Node("w-1");
        var pods = new[] { Pod("db-0", "db"), Pod("web-0", "web") };
        var budget = new BudgetFacts("shop", "db", new LabelSelectorFacts(new Dictionary<string, string> { ["app"] = "db" }, []), 0, 2, 2, 3, 1, 1, false);
        var plan = DrainPlanner.Plan(node, pods, new HashSet<string>(), new DrainOptions(), Now);
        var forecast = DrainForecast.Predict([plan], [budget], [node, Node("w-2")], pods, new DrainOptions());

        using var output = new StringWriter();
        DrainPlanRenderer.Render(output, forecast);
        var lines = output.ToString().Split('\n').Select(l => l.TrimEnd()).ToList();

        Assert.Equal("node/w-1: 1 to evict, 0 skipped, 1 blocking", lines[0]);
        var row = Assert.Single(lines, l => l.TrimStart().StartsWith("shop/db-0", StringComparison.Ordinal));
        Assert.Matches(@"shop/db-0 +BLOCK +blocked by PodDisruptionBudget shop/db: allows no disruption now \(needs 2 healthy, has 2\) +wait for its pods to be ready; --disable-eviction deletes instead, bypassing budgets", row);
        Assert.Matches(@"shop/web-0 +evict ", Assert.Single(lines, l => l.TrimStart().StartsWith("shop/web-0", StringComparison.Ordinal)));
        Assert.Contains("The drain would be blocked:", lines);
        Assert.Contains(lines, l => l.Contains("[BLOCKS] poddisruptionbudget/shop/db:", StringComparison.Ordinal)
            && l.EndsWith("or pass --disable-eviction, which deletes the pods and bypasses every PodDisruptionBudget", StringComparison.Ordinal));
    }

    private static NodeFacts Node(string name) =>
        new(name, false, true, new Dictionary<string, string>(), new Dictionary<string, string>(), new Capacity(4000, 16L << 30, 110));

    private static PodFacts Pod(string name, string app) => new(
        "shop", name, "uid-" + name, "w-1", "Running", new Controller("apps/v1", "ReplicaSet", app + "-5d8f"), false, false, null,
        new Dictionary<string, string> { ["app"] = app }, 0, true, new Capacity(100, 128L << 20, 1));
}
