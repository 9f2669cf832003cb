using Microsoft.Extensions.Time.Testing;
using Pitcrew.Nodes;
using Pitcrew.Testing.Fakes;

namespace Pitcrew.Tests.Nodes;

/// <summary>How a drain says what holds an eviction: why the budget blocks, said once per change.</summary>
public sealed class DrainBlockReportTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Drain_RepeatedIdenticalBlocks_SaysOnceThatTheDisruptionIsAlreadyGranted()
    {
        var granted = Pods.Budget("db", allowed: 0, healthy: 3, desired: 2, expected: 3) with { DisruptedPods = ["db-0"] };
        var api = Cluster([Pods.Managed("db-1", "StatefulSet", "db")], granted);
        var time = new FakeTimeProvider(Now);
        var lines = new RecordingReporter();
        using var cancel = new CancellationTokenSource(Limit);
        var run = Task.Run(() => new DrainRunner(api, time, lines).RunAsync([Pods.Node("n1")], new DrainOptions(), cancel.Token), cancel.Token);

        await DriveAsync(time, () => lines.Lines.Any(l => l.Contains("blocked by", StringComparison.Ordinal)), run, cancel.Token);
        // The disruption controller writes the same status over and over while the retries keep being refused.
        for (var i = 0; i < 40; i++)
        {
            api.Publish(granted);
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, cancel.Token);
        }

        await DriveAsync(time, () => api.Evictions >= 4, run, cancel.Token);
        api.Publish(Pods.Budget("db", allowed: 1, healthy: 3, desired: 2, expected: 3));
        await DriveAsync(time, () => run.IsCompleted, run, cancel.Token);

        Assert.True((await run).Succeeded);
        var blocked = Assert.Single(lines.Lines, l => l.Contains("blocked by", StringComparison.Ordinal));
        Assert.Equal(
            "pod shop/db-1: blocked by PodDisruptionBudget shop/db: 1 disruption already granted and not yet settled (db-0): those pods are not gone yet "
            + "(needs 2 healthy, has 3, allows 0, workload StatefulSet shop/db); will retry",
            blocked);
    }

    [Fact]
    public async Task Drain_TwoPodsUnderABudgetAllowingOne_SaysTheDisruptionIsTakenByThisDrain()
    {
        var budget = Pods.Budget("db", allowed: 1, healthy: 3, desired: 2, expected: 3);
        var api = Cluster([Pods.Managed("db-1", "StatefulSet", "db"), Pods.Managed("db-2", "StatefulSet", "db")], budget);
        var time = new FakeTimeProvider(Now);
        var lines = new RecordingReporter();
        using var cancel = new CancellationTokenSource(Limit);
        var run = Task.Run(() => new DrainRunner(api, time, lines).RunAsync([Pods.Node("n1")], new DrainOptions(), cancel.Token), cancel.Token);

        await DriveAsync(time, () => lines.Lines.Any(l => l.Contains("blocked by", StringComparison.Ordinal)), run, cancel.Token);
        api.Publish(budget);
        await DriveAsync(time, () => run.IsCompleted, run, cancel.Token);

        Assert.True((await run).Succeeded);
        var blocked = Assert.Single(lines.Lines, l => l.Contains("blocked by", StringComparison.Ordinal));
        Assert.Contains(": the 1 disruption it allows is taken by evictions this drain just sent: waiting for its next status (needs 2 healthy, has 3, allows 1,", blocked,
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status behind its spec", 0, 3, 2, 0, 2L, false, "NotObserved")]
    [InlineData("too few healthy", 0, 2, 2, 0, 1L, false, "TooFewHealthy")]
    [InlineData("too few healthy while one is granted", 0, 2, 2, 1, 1L, false, "TooFewHealthy")]
    [InlineData("counts fine, one granted", 0, 3, 2, 1, 1L, false, "Granted")]
    [InlineData("counts fine, nothing granted", 0, 3, 2, 0, 1L, false, "NotSettled")]
    [InlineData("allowed, taken by this drain", 1, 3, 2, 0, 1L, false, "Claimed")]
    [InlineData("allowed here, refused by the server", 1, 3, 2, 0, 1L, true, "Refused")]
    public void Explain_NamesWhyTheBudgetBlocks(string because, int allowed, int healthy, int desired, int disrupted, long generation, bool refused, string expected)
    {
        var budget = Pods.Budget("db", allowed, healthy, desired, expected: 3) with
        {
            DisruptedPods = [.. Enumerable.Range(0, disrupted).Select(i => $"db-{i}")],
            Generation = generation,
        };
        var block = BudgetBlock.Explain(budget, claimed: allowed, refused);
        Assert.True(expected == block.Reason.ToString(), $"{because}: {block.Reason}");
    }

    private static FakeNodeApi Cluster(IReadOnlyList<Pitcrew.Cluster.PodFacts> pods, Pitcrew.Cluster.BudgetFacts budget) => new([Pods.Node("n1")], pods, [budget]);

    /// <summary>Advances the fake clock a second at a time until the condition holds (or the run ends), bounded by the token.</summary>
    private static async Task DriveAsync(FakeTimeProvider time, Func<bool> until, Task run, CancellationToken cancellationToken)
    {
        while (!until())
        {
            if (run.IsCompleted)
            {
                await run;
                return;
            }

            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, cancellationToken);
        }
    }
}
