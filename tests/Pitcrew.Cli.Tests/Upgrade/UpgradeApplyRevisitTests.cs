using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// upgrade apply --revisit-blocked: a worker whose drain a budget blocks goes back into service while the other workers
/// are upgraded, is tried again after them, and only that second blocked drain stops the run. The decision when the block
/// stays (stop, journal, resume) is tested over fakes in Pitcrew.Tests (UpgradeRunnerTests); this is the wiring end to end.
/// </summary>
public sealed class UpgradeApplyRevisitTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABlockThatClearsWhileOtherWorkersUpgrade_IsPassedOnTheRevisit_AndTheRunFinishes()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 4);
        // The budget goes as soon as the deferral is journaled: two other workers are upgraded before the revisit.
        var finished = await BlockWorker2Async(sim, clearWhen: journal =>
            journal.Entries.Any(e => e.Step == "v1.30.14/worker-2/drain" && e.State == StepState.Failed && e.Detail?.Contains("deferred", StringComparison.Ordinal) == true));

        Assert.True(finished.ExitCode == ExitCodes.Ok, finished.Stderr + finished.Stdout);
        Assert.Contains("defer v1.30.14: worker worker-2", finished.Stderr, StringComparison.Ordinal);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
        var journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        Assert.Equal([StepState.Started, StepState.Failed, StepState.Started, StepState.Done],
            journal.Entries.Where(e => e.Step == "v1.30.14/worker-2/drain").Select(e => e.State));
        var order = journal.Entries.Where(e => e.Step.EndsWith("/done", StringComparison.Ordinal) && e.Node is { } n && n.StartsWith("worker", StringComparison.Ordinal))
            .Select(e => e.Node).ToList();
        Assert.Equal(["worker-1", "worker-3", "worker-b-1", "worker-2"], order);
    }

    /// <summary>
    /// Pins one pod to worker-2, starts apply with a 3 s drain timeout and --revisit-blocked, and once the canary's drain
    /// began (past preflight, which would call worker-2 undrainable) puts a budget on the pod that allows no disruption;
    /// the budget is deleted once the journal satisfies <paramref name="clearWhen"/>, if given. Returns how the run ended.
    /// </summary>
    private static async Task<CliRun> BlockWorker2Async(UpgradeSim sim, Func<UpgradeJournal, bool>? clearWhen)
    {
        var manifest = Path.Combine(sim.Root, "solo.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: solo, namespace: shop }
            spec:
              replicas: 1
              selector: { matchLabels: { app: solo } }
              template:
                metadata: { labels: { app: solo } }
                spec:
                  nodeSelector: { kubernetes.io/hostname: worker-2 }
                  containers: [{ name: solo, image: "busybox:1.36" }]
            """, Token);
        await sim.KubectlAsync("apply", "-f", manifest);
        await sim.KubectlAsync("-n", "shop", "rollout", "status", "deployment/solo", "--timeout=60s");

        var run = CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. sim.ApplyArgs(bake: "5s"), "--to", "v1.30", "--drain-timeout", "3s", "--revisit-blocked"]);
        await UntilAsync(sim, run, journal => journal.StateOf("v1.30.14/worker-1/drain") is not null);
        await sim.KubectlAsync("-n", "shop", "create", "poddisruptionbudget", "solo", "--selector=app=solo", "--min-available=1");
        if (clearWhen is not null)
        {
            await UntilAsync(sim, run, clearWhen);
            await sim.KubectlAsync("-n", "shop", "delete", "poddisruptionbudget", "solo");
        }

        return await run;
    }

    /// <summary>Waits until the journal satisfies the condition, or the run ended (its result then tells).</summary>
    private static async Task UntilAsync(UpgradeSim sim, Task<CliRun> run, Func<UpgradeJournal, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!run.IsCompleted)
        {
            if (File.Exists(Path.Combine(sim.StateDir, UpgradeJournal.FileName)) && condition(await sim.JournalAsync()))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the journal did not reach the expected state within 3 minutes");
            await Task.Delay(100, Token);
        }
    }
}
