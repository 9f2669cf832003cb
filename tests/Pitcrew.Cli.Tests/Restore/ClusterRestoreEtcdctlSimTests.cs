using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Restore;

/// <summary>
/// pitcrew cluster restore --restore-tool etcdctl on three control planes: the sim's nodes run the real etcdctl snapshot
/// restore with the planned flags, so the plan is checked against etcd's own tool (its own cluster).
/// </summary>
public sealed class ClusterRestoreEtcdctlSimTests(HaSimFixture sim) : IClassFixture<HaSimFixture>
{
    [Fact]
    public async Task Restore_WithEtcdctl_OnThreeControlPlanes_GivesOneClusterOfThreeVoters_ServingTheKeysOnEveryMember()
    {
        var snapshot = await sim.SnapshotWithKeysAsync("ha-etcdctl", 12, "ha-etcdctl");

        var restore = await sim.PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", sim.Endpoints,
            "--restore-tool", "etcdctl", "--bump-revision", "0", "--state-dir", Path.Combine(sim.Root, "state-etcdctl"), "--yes");

        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Stderr + restore.Stdout);
        await sim.AssertRestoredAsync("ha-etcdctl", 12);
        foreach (var node in HaSimFixture.ControlPlanes)
        {
            Assert.Contains($"run   restore/{node}: restore member {node} into /var/lib/etcd :: etcdctl snapshot restore /var/lib/pitcrew/restore/ha-etcdctl.db",
                restore.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Restore_WithEtcdctl_AndTheKubernetesBump_IsRefusedBeforeAnythingIsTouched()
    {
        var snapshot = await sim.SnapshotWithKeysAsync("ha-etcdctl-bump", 1, "ha-etcdctl-bump");
        var pids = sim.Sim.Etcd.Members.Select(m => m.Process.Pid).ToList();

        var refused = await sim.PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", sim.Endpoints,
            "--restore-tool", "etcdctl", "--state-dir", Path.Combine(sim.Root, "state-etcdctl-bump"), "--yes");

        Assert.True(refused.ExitCode == ExitCodes.Blocked, refused.Stderr);
        Assert.Contains("blocked: restore-tool: etcdctl snapshot restore cannot bump the revision", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(pids, sim.Sim.Etcd.Members.Select(m => m.Process.Pid));
    }
}
