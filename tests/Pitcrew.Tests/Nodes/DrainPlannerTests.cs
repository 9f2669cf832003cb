using Pitcrew.Cluster;
using Pitcrew.Nodes;

namespace Pitcrew.Tests.Nodes;

public sealed class DrainPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly HashSet<string> AgentExists = ["shop/agent"];

    private static NodeDrainPlan Plan(DrainOptions options, params PodFacts[] pods) =>
        DrainPlanner.Plan(Pods.Node("n1"), pods, AgentExists, options, Now);

    [Fact]
    public void Plan_DaemonSetPodWithoutFlag_BlocksWithKubectlText()
    {
        var plan = Plan(new DrainOptions(), Pods.Managed("agent-x", "DaemonSet", "agent"));
        var decision = Assert.Single(plan.Decisions);
        Assert.Equal(PodAction.Block, decision.Action);
        Assert.Equal("--ignore-daemonsets", decision.Hint);
        Assert.Equal(["cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): shop/agent-x"], plan.Errors);
    }

    [Fact]
    public void Plan_DaemonSetPodWithFlag_IsSkippedWithWarning()
    {
        var plan = Plan(new DrainOptions { IgnoreDaemonSets = true }, Pods.Managed("agent-x", "DaemonSet", "agent"), Pods.Managed("web-1"));
        Assert.Equal([PodAction.Skip, PodAction.Evict], plan.Decisions.Select(d => d.Action));
        Assert.Equal("ignoring DaemonSet-managed Pods: shop/agent-x", plan.Warnings);
        Assert.True(plan.CanProceed);
    }

    [Theory]
    [InlineData(false, "Block")]
    [InlineData(true, "Evict")]
    public void Plan_PodOfDeletedDaemonSet_NeedsForce(bool force, string expected)
    {
        var plan = Plan(new DrainOptions { IgnoreDaemonSets = true, Force = force }, Pods.Managed("gone-x", "DaemonSet", "gone"));
        Assert.Equal(expected, plan.Decisions[0].Action.ToString());

        // With --force kubectl's later filters replace the not-found warning, so it is not printed.
        Assert.Equal(force ? null : "daemonsets.apps \"gone\" not found", plan.Decisions[0].Message);
    }

    [Fact]
    public void Plan_MirrorPod_IsSkippedSilently()
    {
        var plan = Plan(new DrainOptions(), Pods.Bare("kube-apiserver-n1").Mirror());
        Assert.Equal(PodAction.Skip, plan.Decisions[0].Action);
        Assert.Null(plan.Warnings);
        Assert.Empty(plan.Errors);
    }

    [Fact]
    public void Plan_EmptyDirPodWithoutFlag_BlocksAndNamesTheFlag()
    {
        var plan = Plan(new DrainOptions(), Pods.Managed("cache-1").WithEmptyDir());
        Assert.Equal(["cannot delete Pods with local storage (use --delete-emptydir-data to override): shop/cache-1"], plan.Errors);
        Assert.Equal("--delete-emptydir-data", plan.Decisions[0].Hint);
    }

    [Fact]
    public void Plan_ManagedEmptyDirPodWithFlag_IsEvictedAndItsWarningDropped_AsKubectl()
    {
        // kubectl's later "okay" from the controller filter replaces the local-storage warning.
        var plan = Plan(new DrainOptions { DeleteEmptyDirData = true }, Pods.Managed("cache-1").WithEmptyDir());
        Assert.Equal(PodAction.Evict, plan.Decisions[0].Action);
        Assert.Null(plan.Warnings);
    }

    [Fact]
    public void Plan_BarePodWithEmptyDirAndBothFlags_WarnsOnlyAboutTheMissingController()
    {
        var plan = Plan(new DrainOptions { DeleteEmptyDirData = true, Force = true }, Pods.Bare("cache").WithEmptyDir());
        Assert.Equal("deleting Pods that declare no controller: shop/cache", plan.Warnings);
    }

    [Fact]
    public void Plan_BarePodWithoutForce_BlocksWithKubectlsDoubledText()
    {
        var plan = Plan(new DrainOptions(), Pods.Bare("debug"));
        Assert.Equal(["cannot delete cannot delete Pods that declare no controller (use --force to override): shop/debug"], plan.Errors);
    }

    [Fact]
    public void Plan_FinishedBarePodWithEmptyDir_IsEvictedWithoutFlags()
    {
        var plan = Plan(new DrainOptions(), Pods.Bare("job-run").WithEmptyDir().Finished());
        Assert.Equal(PodAction.Evict, plan.Decisions[0].Action);
        Assert.True(plan.CanProceed);
    }

    [Theory]
    [InlineData(0, 100, "Block")] // no timeout given: the pod is planned like any other
    [InlineData(30, 10, "Block")] // deleting for less than the timeout
    [InlineData(30, 31, "Skip")]  // deleting for longer: skipped
    public void Plan_LongDeletingPod_IsSkippedOnlyPastTheTimeout(int timeoutSeconds, int deletingForSeconds, string expected)
    {
        var options = new DrainOptions { SkipWaitForDeleteTimeout = TimeSpan.FromSeconds(timeoutSeconds) };
        var plan = Plan(options, Pods.Bare("stuck").Deleting(Now.AddSeconds(-deletingForSeconds)));
        Assert.Equal(expected, plan.Decisions[0].Action.ToString());
    }

    [Fact]
    public void Plan_SeveralBlockers_GroupsPodsPerMessage()
    {
        var plan = Plan(new DrainOptions(), Pods.Bare("a"), Pods.Bare("b"), Pods.Managed("c").WithEmptyDir());
        Assert.Equal(
            ["cannot delete cannot delete Pods that declare no controller (use --force to override): shop/a, shop/b",
             "cannot delete Pods with local storage (use --delete-emptydir-data to override): shop/c"],
            plan.Errors);
    }
}
