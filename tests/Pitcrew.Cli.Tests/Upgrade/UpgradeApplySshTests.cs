using System.Runtime.InteropServices;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// upgrade apply --executor ssh end to end, as an operator runs it: an inventory file, a known_hosts file, and every
/// node command sent over SSH to a real sshd on 127.0.0.1 (a port per node). sshd hands each command, through a
/// ForceCommand, to `pitcrew sim exec` on that node, so what the runbook runs over SSH changes the simulated cluster
/// as it would change a real node.
/// </summary>
public sealed class UpgradeApplySshTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_OverSsh_StreamsAFailedNodesOutput_ThenResumeUpgradesEveryNode()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.29.15", controlPlanes: 1, workers: 2);
        string[] nodes = ["cp-1", "worker-1", "worker-b-1"];
        var bridge = await WriteBridgeAsync(sim);
        await using var sshd = await SshdFixture.StartAsync(new SshdFixtureOptions { Ports = nodes.Length, ForceCommand = i => $"{bridge} {nodes[i]}" }, Token);
        var inventory = Path.Combine(sim.Root, "nodes.yaml");
        await File.WriteAllTextAsync(inventory, $"""
            defaults: {"{"} user: {SshdFixture.User}, keyFile: {sshd.ClientKeyPath}, sudo: true {"}"}
            nodes:
            {string.Concat(nodes.Select((node, i) => $"  {node}: {{ host: {SshdFixture.Host}, port: {sshd.Ports[i]} }}\n"))}
            """, Token);
        string[] ssh = [.. sim.ApplyArgs(executor: "ssh"), "--inventory", inventory, "--known-hosts", sshd.WriteKnownHosts(), "--canary", "0"];
        await sim.SetFaultAsync("worker-b-1", "exec-fail=kubeadm upgrade node");

        var failed = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. ssh, "--to", "v1.30"]);
        Assert.True(failed.ExitCode == ExitCodes.Partial, failed.Stderr + failed.Stdout);
        Assert.Contains("FAILED: kubeadm-node on node/worker-b-1: exit 1", failed.Stdout, StringComparison.Ordinal);
        Assert.Contains("simulated failure on node/worker-b-1", failed.Stdout, StringComparison.Ordinal);
        Assert.Equal(("v1.29.15", true), (await sim.NodesAsync())["worker-b-1"]);
        var cpCommands = await File.ReadAllTextAsync(Log(sim, "cp-1"), Token);
        Assert.Contains("kubeadm upgrade apply v1.30.14", cpCommands, StringComparison.Ordinal);
        Assert.Contains("systemctl restart kubelet", cpCommands, StringComparison.Ordinal);
        Assert.Contains("kubeadm upgrade node", await File.ReadAllTextAsync(Log(sim, "worker-b-1"), Token), StringComparison.Ordinal);

        await sim.SetFaultAsync("worker-b-1", "clear");
        var resumed = await CliRun.InvokeAsync(null, UpgradeSim.RunBound, [.. ssh, "--resume"]);
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        Assert.All(await sim.NodesAsync(), n => Assert.Equal(("v1.30.14", false), n.Value));
        var journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        Assert.All(nodes, node => Assert.Contains("apt-get install -y kubelet=1.30.14-1.1", File.ReadAllText(Log(sim, node)), StringComparison.Ordinal));
    }

    private static string Log(UpgradeSim sim, string node) => Path.Combine(sim.Root, $"ssh-{node}.log");

    /// <summary>sshd's ForceCommand: logs the command the client sent for the node, then runs it on the simulated node.</summary>
    private static async Task<string> WriteBridgeAsync(UpgradeSim sim)
    {
        var bridge = Path.Combine(sim.Root, "node-bridge.sh");
        var pitcrew = Path.Combine(AppContext.BaseDirectory, "pitcrew");
        var dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT")
            ?? Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        await File.WriteAllTextAsync(bridge, $"""
            #!/bin/sh
            printf '%s\n' "$SSH_ORIGINAL_COMMAND" >> '{sim.Root}/ssh-'"$1"'.log'
            export DOTNET_ROOT='{dotnetRoot}'
            exec '{pitcrew}' sim exec --dir '{sim.SimDir}' "$1" -- "$SSH_ORIGINAL_COMMAND"

            """, Token);
        File.SetUnixFileMode(bridge, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return bridge;
    }
}
