using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// upgrade apply --revisit-blocked: a worker whose drain a budget blocks goes back into service while the other workers
/// are upgraded, is tried again after them, and only that second blocked drain stops the run.
/// </summary>
public sealed class UpgradeApplyRevisitTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ABlockedWorker_IsDeferredPastTheOtherWorkers_ThenStopsTheRunWhenStillBlocked_AndResumeFinishes()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 4);
        // One pod pinned to worker-2; its budget comes once the run is past preflight (which would call it undrainable).
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
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!File.Exists(Path.Combine(sim.StateDir, UpgradeJournal.FileName))
            || (await sim.JournalAsync()).StateOf("v1.30.14/worker-1/drain") is null)
        {
            Assert.False(run.IsCompleted, "the run ended before the canary's drain: " + (run.IsCompleted ? (await run).Stderr : string.Empty));
            Assert.True(DateTime.UtcNow < deadline, "the canary's drain did not start within 2 minutes");
            await Task.Delay(100, Token);
        }

        await sim.KubectlAsync("-n", "shop", "create", "poddisruptionbudget", "solo", "--selector=app=solo", "--min-available=1");

        var failed = await run;
        Assert.True(failed.ExitCode == ExitCodes.Partial, failed.Stderr + failed.Stdout);
        Assert.Contains("defer v1.30.14: worker worker-2 (the drain did not finish); uncordoned, revisited after the other workers", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("stage v1.30.14: revisit worker worker-2 (its drain was blocked)", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("FAILED: drain on node/worker-2", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("blocked by PodDisruptionBudget shop/solo (needs 1 healthy, has 1, workload Deployment shop/solo)", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("[worker-2] drain was deferred; running it again", failed.Stderr, StringComparison.Ordinal);
        var nodes = await sim.NodesAsync();
        Assert.Equal(("v1.29.15", true), nodes["worker-2"]);
        Assert.All(nodes.Where(n => n.Key != "worker-2"), n => Assert.Equal(("v1.30.14", false), n.Value));

        // The other workers were upgraded between the two drains of worker-2, and each drain failure is in the journal.
        var journal = await sim.JournalAsync();
        var drains = journal.Entries.Select((e, i) => (e, i)).Where(p => p.e.Step == "v1.30.14/worker-2/drain" && p.e.State == StepState.Failed).ToList();
        Assert.Equal(2, drains.Count);
        Assert.Contains("deferred", drains[0].e.Detail, StringComparison.Ordinal);
        foreach (var other in new[] { "worker-3", "worker-b-1" })
        {
            var done = journal.Entries.Select((e, i) => (e, i)).Single(p => p.e.Step == $"v1.30.14/{other}/done");
            Assert.InRange(done.i, drains[0].i, drains[1].i);
        }

        await sim.KubectlAsync("-n", "shop", "delete", "poddisruptionbudget", "solo");
        var resumed = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. sim.ApplyArgs(), "--resume", "--drain-timeout", "3s", "--revisit-blocked"]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
        Assert.True((await sim.JournalAsync()).Finished);
    }
}
