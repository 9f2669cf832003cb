using System.Text.Json.Nodes;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.Tests;

/// <summary>The disruption controller's counters at /metrics: status computations and budgets broken.</summary>
public sealed class BudgetMetricsTests
{
    [Fact]
    public void Violation_IsCountedOnlyWhenHealthyFallsFromAtLeastToBelowDesired()
    {
        var metrics = new BudgetMetrics();
        metrics.Observe("shop", "web", null, Status(healthy: 1, desired: 2));   // first sight: nothing to compare with
        metrics.Observe("shop", "web", Status(1, 2), Status(3, 2));              // recovers
        metrics.Observe("shop", "web", Status(3, 2), Status(2, 2));              // one eviction within the budget
        metrics.Observe("shop", "web", Status(2, 2), Status(1, 2));              // broken
        metrics.Observe("shop", "web", Status(1, 2), Status(0, 2));              // still broken: the same violation
        metrics.Observe("shop", "db", Status(2, 2), Status(2, 2));

        Assert.Equal(1, metrics.Violations("shop", "web"));
        Assert.Equal(0, metrics.Violations("shop", "db"));
        Assert.Equal(6, metrics.Computations);
        var text = metrics.Render();
        Assert.Contains("sim_pdb_status_computations_total 6\n", text, StringComparison.Ordinal);
        Assert.Contains("sim_pdb_violations_total{namespace=\"shop\",name=\"web\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("sim_pdb_violations_total{namespace=\"shop\",name=\"db\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE sim_pdb_violations_total counter\n", text, StringComparison.Ordinal);
    }

    private static JsonObject Status(int healthy, int desired) => new() { ["currentHealthy"] = healthy, ["desiredHealthy"] = desired };
}
