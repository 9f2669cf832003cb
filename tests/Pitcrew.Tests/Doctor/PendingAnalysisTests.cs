using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

public sealed class PendingAnalysisTests
{
    private static Finding Explain(PodFacts pod, IReadOnlyList<NodeFacts> nodes, IReadOnlyList<PodFacts>? running = null) =>
        Assert.Single(PodChecks.Check(Cluster.Facts(nodes, [pod, .. running ?? []]), _ => true, Cluster.Now), f => f.Id == CheckIds.PodPending);

    [Fact]
    public void Explain_RequestsAboveFreeCpu_CountsEveryNodeAndBlamesResources()
    {
        var finding = Explain(Cluster.Pending("big", cpu: 3000), [Cluster.Node("w-1"), Cluster.Node("w-2")], [Cluster.Pod("busy", "w-1", cpu: 2000), Cluster.Pod("busy2", "w-2", cpu: 2000)]);
        Assert.Equal("Pending: 0/2 nodes are available: 2 Insufficient cpu.", finding.Symptom);
        Assert.StartsWith("not enough free resources", finding.Cause, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e == "node w-1: Insufficient cpu (cpu requested 3, free 2 of 4)");
        Assert.Contains("add nodes", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_MemoryRequest_SaysInsufficientMemory()
    {
        Assert.Equal("Pending: 0/1 nodes are available: 1 Insufficient memory.", Explain(Cluster.Pending("big", memory: 32L << 30), [Cluster.Node("w-1")]).Symptom);
    }

    [Fact]
    public void Explain_SelectorNoNodeMatches_BlamesTheSelector()
    {
        var finding = Explain(Cluster.Pending("web").Selecting("disk", "ssd"), [Cluster.Node("w-1"), Cluster.Node("cp-1").Tainted("node-role.kubernetes.io/control-plane")]);
        Assert.Equal("Pending: 0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.",
            finding.Symptom);
        Assert.StartsWith("no node carries the labels", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("kubectl label node", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_RequiredAffinityNotIn_RulesOutTheNamedNodes()
    {
        var pod = Cluster.Pending("web") with { RequiredNodeTerms = [[new NodeRequirement("kubernetes.io/hostname", "NotIn", ["w-1"])]] };
        Assert.StartsWith("no node carries the labels", Explain(pod, [Cluster.Node("w-1")]).Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_TheSelectedNodeIsTainted_BlamesTheTaintNotTheSelector()
    {
        var nodes = new[] { Cluster.Node("w-1").Tainted("node.kubernetes.io/disk-pressure"), Cluster.Node("w-2"), Cluster.Node("w-3") };
        var finding = Explain(Cluster.Pending("pinned").Selecting("kubernetes.io/hostname", "w-1"), nodes);
        Assert.Contains("does not tolerate a taint", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("node.kubernetes.io/disk-pressure", finding.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_CordonedNodes_SayUnschedulable()
    {
        var finding = Explain(Cluster.Pending("web"), [Cluster.Node("w-1") with { Unschedulable = true }]);
        Assert.Equal("Pending: 0/1 nodes are available: 1 node(s) were unschedulable.", finding.Symptom);
        Assert.Contains("kubectl uncordon", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_FullNode_SaysTooManyPods()
    {
        var node = Cluster.Node("w-1") with { AllocatablePods = 1 };
        var finding = Explain(Cluster.Pending("web"), [node], [Cluster.Pod("other", "w-1")]);
        Assert.Equal("Pending: 0/1 nodes are available: 1 Too many pods.", finding.Symptom);
    }

    [Fact]
    public void Explain_ToleratedTaint_DoesNotCount()
    {
        var node = Cluster.Node("w-1").Tainted("dedicated", value: "gpu");
        var finding = Explain(Cluster.Pending("trainer", cpu: 8000).Tolerating("dedicated"), [node]);
        Assert.Equal("Pending: 0/1 nodes are available: 1 Insufficient cpu.", finding.Symptom);
    }

    [Fact]
    public void Explain_SomeNodeFits_SaysAnotherConstraintHoldsIt()
    {
        var finding = Explain(Cluster.Pending("web"), [Cluster.Node("w-1")]);
        Assert.Equal("Pending although nodes fit", finding.Symptom);
        Assert.Contains("pod affinity", finding.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_YoungPodNotYetRefused_IsNotReported()
    {
        var young = Cluster.Pod("new", null, "Pending") with { Created = Cluster.Now.AddSeconds(-10) };
        Assert.Empty(PodChecks.Check(Cluster.Facts([Cluster.Node("w-1")], [young]), _ => true, Cluster.Now));
    }
}
