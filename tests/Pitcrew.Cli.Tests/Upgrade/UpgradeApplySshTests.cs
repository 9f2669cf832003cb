using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// upgrade apply --executor ssh end to end, as an operator runs it: an inventory file, a known_hosts file, and every
/// node command sent over SSH to a real sshd on 127.0.0.1 (a port per node). sshd hands each command, through a
/// ForceCommand, to `pitcrew sim exec` on that node (<see cref="SimSshBridge"/>), so what the runbook runs over SSH
/// changes the simulated cluster as it would change a real node.
/// </summary>
public sealed class UpgradeApplySshTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_OverSsh_StreamsAFailedNodesOutput_ThenResumeUpgradesEveryNode()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 2);
        string[] nodes = ["cp-1", "worker-1", "worker-b-1"];
        await using var bridge = await SimSshBridge.StartAsync(sim.Root, sim.SimDir, nodes, Token);
        string[] ssh = [.. sim.ApplyArgs(executor: "ssh"), "--inventory", bridge.Inventory, "--known-hosts", bridge.KnownHosts, "--canary", "0"];
        await sim.SetFaultAsync("worker-b-1", "exec-fail=kubeadm upgrade node");

        var failed = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. ssh, "--to", "v1.30"]);
        Assert.True(failed.ExitCode == ExitCodes.Partial, failed.Stderr + failed.Stdout);
        Assert.Contains("FAILED: kubeadm-node on node/worker-b-1: exit 1", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("simulated failure on node/worker-b-1", failed.Stdout, StringComparison.Ordinal);
        Assert.Equal(("v1.29.15", true), (await sim.NodesAsync())["worker-b-1"]);
        Assert.Contains("kubeadm upgrade apply v1.30.14", bridge.CommandsOf("cp-1"), StringComparison.Ordinal);
        Assert.Contains("systemctl restart kubelet", bridge.CommandsOf("cp-1"), StringComparison.Ordinal);
        Assert.Contains("kubeadm upgrade node", bridge.CommandsOf("worker-b-1"), StringComparison.Ordinal);

        await sim.SetFaultAsync("worker-b-1", "clear");
        var resumed = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. ssh, "--resume"]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
        var journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        Assert.All(nodes, node => Assert.Contains("apt-get install -y kubelet=1.30.14-1.1", bridge.CommandsOf(node), StringComparison.Ordinal));
    }
}
