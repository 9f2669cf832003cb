using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>upgrade apply when a step fails on a node: it stops, leaves the node cordoned, says why and how back, and --resume finishes.</summary>
public sealed class UpgradeApplyFailureTests
{
    [Fact]
    public async Task AFailingCanary_StopsTheRunBeforeOtherWorkers_AndResumeFinishesWithoutRepeatingDoneSteps()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 3);
        await sim.SetFaultAsync("worker-1", "exec-fail=apt-get install -y kubelet");

        var failed = await sim.ApplyAsync("--to", "v1.30");
        Assert.True(failed.ExitCode == ExitCodes.Partial, failed.Stderr + failed.Stdout);
        Assert.Contains("FAILED: upgrade-kubelet on node/worker-1: exit 1", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("simulated failure on node/worker-1", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("pitcrew node uncordon worker-1", failed.Stdout, StringComparison.Ordinal);
        var nodes = await sim.NodesAsync();
        Assert.Equal(("v1.30.14", false), nodes["cp-1"]);
        Assert.Equal(("v1.29.15", true), nodes["worker-1"]);
        Assert.Equal(("v1.29.15", false), nodes["worker-2"]);
        Assert.Equal(("v1.29.15", false), nodes["worker-b-1"]);
        var journal = await sim.JournalAsync();
        Assert.False(journal.Finished);
        Assert.DoesNotContain(journal.Entries, e => e.Node is "worker-2" or "worker-b-1");

        var refused = await sim.ApplyAsync("--to", "v1.30");
        Assert.True(refused.ExitCode == ExitCodes.Blocked, refused.Stderr);
        Assert.Contains("add --resume", refused.Stderr, StringComparison.Ordinal);

        await sim.SetFaultAsync("worker-1", "clear");
        var resumed = await sim.ApplyAsync("--resume");
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
        journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        var doneTwice = journal.Entries.Where(e => e.State == StepState.Done).GroupBy(e => e.Step).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(doneTwice);
        Assert.Equal([StepState.Started, StepState.Failed, StepState.Started, StepState.Done],
            journal.Entries.Where(e => e.Step == "v1.30.14/worker-1/upgrade-kubelet").Select(e => e.State));
    }

    [Fact]
    public async Task AFailingControlPlaneStep_TouchesNoWorker_AndNamesThePreUpgradeBackupAsTheWayBack()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 2);
        await sim.SetFaultAsync("cp-1", "exec-fail=kubeadm upgrade apply");

        var failed = await sim.ApplyAsync("--to", "v1.30.14");
        Assert.True(failed.ExitCode == ExitCodes.Partial, failed.Stderr + failed.Stdout);
        var journal = await sim.JournalAsync();
        Assert.StartsWith("etcd-", journal.Backup, StringComparison.Ordinal);
        Assert.Contains("FAILED: kubeadm-apply on node/cp-1", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains($"pitcrew cluster restore --from-backup {journal.Backup} --store {sim.Store}", failed.Stdout, StringComparison.Ordinal);
        var nodes = await sim.NodesAsync();
        Assert.Equal(("v1.29.15", true), nodes["cp-1"]);
        Assert.All(nodes.Where(n => n.Key != "cp-1"), n => Assert.Equal(("v1.29.15", false), n.Value));
        Assert.DoesNotContain(journal.Entries, e => e.Node is not null && e.Node != "cp-1");
    }

    [Fact]
    public async Task AFailedBackup_ChangesNoNode_AndTheNextRunStartsOverWithoutResume()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 2);
        var unwritable = sim.ApplyArgs();
        var file = Path.Combine(sim.Root, "a-file");
        await File.WriteAllTextAsync(file, "not a directory", TestContext.Current.CancellationToken);
        unwritable[Array.IndexOf(unwritable, "--store") + 1] = $"file://{file}/backups";

        var failed = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. unwritable, "--to", "v1.30"]);
        Assert.True(failed.ExitCode == ExitCodes.Failed, failed.Stderr + failed.Stdout);
        Assert.Contains($"the pre-upgrade backup failed, nothing was upgraded: cannot create the backup store directory {file}/backups", failed.Stderr, StringComparison.Ordinal);
        var stopped = await sim.JournalAsync();
        Assert.Equal(StepState.Failed, stopped.StateOf("backup"));
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.29.15", false), n.Value));

        var again = await sim.ApplyAsync("--to", "v1.30", "--canary", "0");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.Stderr + again.Stdout);
        Assert.Contains($"the unfinished upgrade {stopped.RunId} touched no node (its last step: backup failed); starting over", again.Stderr, StringComparison.Ordinal);
        // No etcd flags: the backup comes from the etcd the sim's etcd pod advertises, and preflight said so before.
        Assert.Matches(@"recent backup\s+PASS\s+the\s+run\s+takes\s+a\s+pre-upgrade\s+backup\s+into\s+file://", again.Stderr);
        Assert.Contains($"start backup: etcd snapshot tagged pre-upgrade from etcd at {sim.Sim.EtcdEndpoint} (advertised by etcd-cp-1) into", again.Stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(sim.StateDir, $"{UpgradeJournal.FileName}.{stopped.RunId}")), "the replaced journal is kept");
        var finished = await sim.JournalAsync();
        Assert.NotEqual(stopped.RunId, finished.RunId);
        Assert.True(finished.Finished);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
    }
}
