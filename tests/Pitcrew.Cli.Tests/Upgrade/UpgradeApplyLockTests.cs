using k8s;
using k8s.Models;
using Pitcrew.Cli.Tests.Backups;
using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>The cluster lock and a crash: another holder refuses the run, a dead one needs --take-over-lock, a second run is refused, SIGKILL then --resume finishes.</summary>
public sealed class UpgradeApplyLockTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheLock_RefusesLiveAndDeadHolders_ThenACrashedRunResumesWithoutRepeatingDoneSteps()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 2);
        using var client = sim.Client();

        // A restore on another machine holds the lock: refused, nothing journaled as done.
        await client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("restore/r1@elsewhere/42", DateTime.UtcNow), "kube-system", cancellationToken: Token);
        var live = await sim.ApplyAsync("--to", "v1.30", "--no-backup");
        Assert.True(live.ExitCode == ExitCodes.Blocked, live.Stderr + live.Stdout);
        Assert.Contains("the cluster is locked by restore/r1@elsewhere/42", live.Stderr, StringComparison.Ordinal);

        // Not renewed for ten minutes: dead, but only taken over when asked.
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(MaintenanceLock.LeaseName, "kube-system", cancellationToken: Token);
        lease.Spec.RenewTime = DateTime.UtcNow.AddMinutes(-10);
        await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, MaintenanceLock.LeaseName, "kube-system", cancellationToken: Token);
        var dead = await sim.ApplyAsync("--to", "v1.30", "--no-backup");
        Assert.True(dead.ExitCode == ExitCodes.Blocked, dead.Stderr + dead.Stdout);
        Assert.Contains("looks dead (not renewed for", dead.Stderr, StringComparison.Ordinal);
        Assert.Contains("--take-over-lock", dead.Stderr, StringComparison.Ordinal);

        // Taken over explicitly by a run in a child process, which bakes its canary for a minute.
        await using var child = PitcrewProcess.Start(new Dictionary<string, string>(), [.. sim.ApplyArgs(bake: "60s"), "--to", "v1.30", "--take-over-lock"]);
        await child.WaitForLineAsync("bake  v1.30.14", UpgradeSim.RunBound);
        Assert.Contains("taking over the stale lock of restore/r1@elsewhere/42", child.Stderr, StringComparison.Ordinal);

        // A second run, from another state dir, finds the journal in the cluster and the lock held by a live run.
        var other = Path.Combine(sim.Root, "other-state");
        var second = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. sim.ApplyArgs(other), "--resume"]);
        Assert.True(second.ExitCode == ExitCodes.Blocked, second.Stderr + second.Stdout);
        Assert.Contains("the cluster is locked by upgrade/", second.Stderr, StringComparison.Ordinal);

        // The run dies; its lease stays behind, held by a process that is gone, and --resume takes it over at once.
        await child.KillAsync();
        var crashed = await sim.JournalAsync();
        Assert.Equal(StepState.Started, crashed.StateOf(UpgradeRunner.BakeId(new Pitcrew.Upgrade.KubeVersion(1, 30, 14))));
        var resumed = await sim.ApplyAsync("--resume");
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        Assert.Contains("taking over the stale lock of upgrade/", resumed.Stderr, StringComparison.Ordinal);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
        var journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        Assert.Equal(crashed.RunId, journal.RunId);
        Assert.DoesNotContain(journal.Entries.Where(e => e.State == StepState.Done).GroupBy(e => e.Step), g => g.Count() > 1);
        Assert.All(crashed.Entries.Where(e => e.State == StepState.Done),
            done => Assert.DoesNotContain(journal.Entries.Skip(crashed.Entries.Count), e => e.Step == done.Step && e.State == StepState.Started));
    }

    private static V1Lease Lease(string holder, DateTime renewed) => new()
    {
        Metadata = new V1ObjectMeta { Name = MaintenanceLock.LeaseName, NamespaceProperty = "kube-system" },
        Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = 60, AcquireTime = renewed, RenewTime = renewed },
    };
}
