using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

public sealed class UpgradeSchedulerTests
{
    private static readonly ScheduleNode[] Cluster =
    [
        new("cp-2", true, "a", false), new("cp-1", true, "a", false),
        new("w-1", false, "a", false), new("w-2", false, "a", false), new("w-3", false, "b", false), new("w-4", false, "b", false), new("w-5", false, "c", true),
    ];

    [Fact]
    public void EachHop_UpgradesEveryControlPlanesComponentsBeforeAnyKubelet_ThenCanariesThenBatches()
    {
        var stages = UpgradeScheduler.Build([KubeVersion.Parse("v1.29.15"), KubeVersion.Parse("v1.30.14")], Cluster, new ScheduleOptions(BatchSize: 2, Canaries: 1, MaxPerZone: 0));

        Assert.Equal(
        [
            "v1.29.15: first control plane cp-1 (kubeadm upgrade apply)", "v1.29.15: control plane cp-2 (kubeadm upgrade node)",
            "v1.29.15: kubelet of control plane cp-1", "v1.29.15: kubelet of control plane cp-2",
            "v1.29.15: canary w-5", "v1.29.15: batch 1 (w-1, w-2)", "v1.29.15: batch 2 (w-3, w-4)",
            "v1.30.14: first control plane cp-1 (kubeadm upgrade apply)", "v1.30.14: control plane cp-2 (kubeadm upgrade node)",
            "v1.30.14: kubelet of control plane cp-1", "v1.30.14: kubelet of control plane cp-2",
            "v1.30.14: canary w-5", "v1.30.14: batch 1 (w-1, w-2)", "v1.30.14: batch 2 (w-3, w-4)",
        ], stages.Select(s => s.Describe()));
    }

    [Fact]
    public void Batches_NeverHoldMoreThanTheZoneLimit_AndKeepNameOrderOtherwise()
    {
        var batches = UpgradeScheduler.Batches([.. Cluster.Where(n => !n.ControlPlane).OrderBy(n => n.Name, StringComparer.Ordinal)], new ScheduleOptions(3, 0, MaxPerZone: 1));

        Assert.Equal([["w-1", "w-3", "w-5"], ["w-2", "w-4"]], batches);
    }

    [Fact]
    public void TheControlPlaneRunbook_SplitsAtTheDrain_IntoComponentsAndKubelet()
    {
        var runbook = RunbookLoader.Builtin("apt");
        var steps = runbook.Roles[NodeRole.FirstControlPlane];

        var components = UpgradeScheduler.StepsOf(steps, steps, StagePart.Components).Select(s => s.Name);
        var kubelet = UpgradeScheduler.StepsOf(steps, steps, StagePart.Kubelet).Select(s => s.Name);

        Assert.Equal(["repository", "repository-key", "upgrade-kubeadm", "check-kubeadm", "kubeadm-plan", "kubeadm-apply"], components);
        Assert.Equal(["drain", "upgrade-kubelet", "restart-kubelet", "wait-ready", "uncordon"], kubelet);
        Assert.All(steps, s => Assert.True(s.Repeatable, s.Name));
    }
}
