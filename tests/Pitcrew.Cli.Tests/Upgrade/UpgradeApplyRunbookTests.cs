using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>upgrade apply with a node group on its own runbook (--runbook-for): the RHEL-family node gets dnf, the others apt.</summary>
public sealed class UpgradeApplyRunbookTests
{
    [Fact]
    public async Task ANodeGroup_FollowsItsOwnRunbook()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 2);
        string[] group = ["--to", "v1.30", "--canary", "0", "--runbook-for", "topology.kubernetes.io/zone=zone-b=dnf"];

        var plan = await sim.ApplyAsync([.. group, "--plan-only"]);
        Assert.True(plan.ExitCode == ExitCodes.Ok, plan.Stderr);
        Assert.Contains("runbook kubeadm-dnf (kubeadm-dnf.yaml (built in)) for worker-b-1; kubeadm-apt for the others", plan.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(sim.StateDir, UpgradeJournal.FileName)), "--plan-only changes nothing");

        var run = await sim.ApplyAsync(group);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr + run.Stdout);
        var journal = await sim.JournalAsync();
        string Command(string node, string step) =>
            journal.Entries.Single(e => e.Step == $"v1.30.14/{node}/{step}" && e.State == StepState.Started).Detail!;
        Assert.StartsWith("dnf install -y kubeadm-1.30.14", Command("worker-b-1", "upgrade-kubeadm"), StringComparison.Ordinal);
        Assert.Contains("apt-get install -y kubeadm=1.30.14-1.1", Command("worker-1", "upgrade-kubeadm"), StringComparison.Ordinal);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));

        var bad = await sim.ApplyAsync("--to", "v1.30", "--runbook-for", "zone-b");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
    }
}
