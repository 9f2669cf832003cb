using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

public sealed class NodeChecksTests
{
    private static readonly DateTimeOffset Now = Cluster.Now;

    private static List<Finding> Check(NodeFacts node, ProbeOutcome? probe = null, IReadOnlyList<PodFacts>? pods = null, IReadOnlyList<NodeUsage>? usage = null,
        string server = "v1.31.2")
    {
        var probes = probe is { } outcome
            ? new Dictionary<string, ProbeResult> { [node.Name] = new(node.Name, "10.0.0.1:10250", outcome, null, null, TimeSpan.FromSeconds(2)) }
            : new Dictionary<string, ProbeResult>();
        return [.. NodeChecks.Check(Cluster.Facts([node], pods, usage, server), probes, Now)];
    }

    [Fact]
    public void Check_HealthyReachableNode_FindsNothing()
    {
        Assert.Empty(Check(Cluster.Node("w-1"), ProbeOutcome.Open));
    }

    [Fact]
    public void Check_SilentNodeWhosePortRefuses_SaysKubeletStopped()
    {
        var node = Cluster.Node("w-1").With("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", Now.AddMinutes(-3));
        var finding = Assert.Single(Check(node, ProbeOutcome.Refused));
        Assert.Equal(CheckIds.NodeNotReady, finding.Id);
        Assert.Equal(Severity.Critical, finding.Severity);
        Assert.StartsWith("kubelet stopped", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("systemctl restart kubelet", finding.Remedy, StringComparison.Ordinal);
        Assert.Contains(finding.Evidence, e => e.Contains("connection refused", StringComparison.Ordinal));
        Assert.Contains(finding.Evidence, e => e == "last heartbeat 3m ago");
    }

    [Fact]
    public void Check_SilentNodeThatDoesNotAnswer_SaysNetworkCut()
    {
        var node = Cluster.Node("w-1").With("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.");
        var finding = Assert.Single(Check(node, ProbeOutcome.TimedOut));
        Assert.StartsWith("network cut", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("ping", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReadyFalse_SaysTheKubeletRunsAndReportsWhy()
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1").With("Ready", "False", "KubeletNotReady", "container runtime network not ready"), ProbeOutcome.Open));
        Assert.Contains("container runtime network not ready", finding.Cause, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DiskPressure", "node.disk-pressure", "logs and container images", "crictl rmi --prune")]
    [InlineData("MemoryPressure", "node.memory-pressure", "pods using too much memory", "set memory limits on pods, or add nodes")]
    [InlineData("PIDPressure", "node.pid-pressure", "a process leak", "restart it")]
    public void Check_Pressure_GivesTheSeedsCauseAndRemedy(string condition, string id, string cause, string remedy)
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1").With(condition, "True", "KubeletHas" + condition), ProbeOutcome.Open));
        Assert.Equal(id, finding.Id);
        Assert.Equal(Severity.Warning, finding.Severity);
        Assert.Contains(cause, finding.Cause, StringComparison.Ordinal);
        Assert.Contains(remedy, finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NetworkUnavailable_IsCritical()
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1").With("NetworkUnavailable", "True", "NoRouteCreated")));
        Assert.Equal((CheckIds.NodeNetworkUnavailable, Severity.Critical), (finding.Id, finding.Severity));
    }

    [Fact]
    public void Check_NodeProblemDetectorCondition_IsExplained()
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1").With("KernelDeadlock", "True", "DockerHung")));
        Assert.Equal((CheckIds.NodeProblem, Severity.Critical), (finding.Id, finding.Severity));
        Assert.StartsWith("KernelDeadlock", finding.Symptom, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_VendorConditionHealthyWhenTrue_IsNotReported()
    {
        Assert.Empty(Check(Cluster.Node("w-1").With("KernelReady", "True", "KernelIsReady")));
    }

    [Fact]
    public void Check_OrphanedProblemCondition_IsStale()
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1").With("ReadonlyFilesystem", "False", "FilesystemIsNotReadOnly", heartbeat: Now.AddDays(-17))));
        Assert.Equal(CheckIds.NodeConditionStale, finding.Id);
    }

    [Fact]
    public void Check_ConditionUnknownOnAPostingNode_IsAWarning()
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1").With("MemoryPressure", "Unknown")));
        Assert.Equal((CheckIds.NodeConditionUnknown, Severity.Warning), (finding.Id, finding.Severity));
    }

    [Theory]
    [InlineData(2, "Info")]
    [InlineData(72, "Warning")]
    public void Check_Cordoned_IsAWarningOnlyWhenLong(int hours, string severity)
    {
        var node = (Cluster.Node("w-1") with { Unschedulable = true }).Tainted("node.kubernetes.io/unschedulable", added: Now.AddHours(-hours));
        var finding = Assert.Single(Check(node));
        Assert.Equal(CheckIds.NodeCordoned, finding.Id);
        Assert.Equal(severity, finding.Severity.ToString());
        Assert.Contains("kubectl uncordon w-1", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_TaintNoPodTolerates_IsReported_AndToleratedOneIsNot()
    {
        var node = Cluster.Node("w-1").Tainted("dedicated", value: "gpu");
        Assert.Equal(CheckIds.NodeTaintUntolerated, Assert.Single(Check(node)).Id);
        Assert.Empty(Check(node, pods: [Cluster.Pod("trainer", "w-1").Tolerating("dedicated")]));
    }

    [Fact]
    public void Check_UsageNearAllocatable_IsHot()
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1"), usage: [new NodeUsage("w-1", 500, 15L << 30)]));
        Assert.Equal(CheckIds.NodeUsageHigh, finding.Id);
        Assert.Contains("memory 93%", finding.Symptom, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1.32.0", "v1.31.2", "Critical")]
    [InlineData("v1.26.3", "v1.31.2", "Critical")]
    [InlineData("v1.29.1", "v1.31.2", "Info")]
    public void Check_KubeletVersionSkew_FollowsThePolicy(string kubelet, string server, string severity)
    {
        var finding = Assert.Single(Check(Cluster.Node("w-1", kubelet), server: server));
        Assert.Equal((CheckIds.NodeVersionSkew, severity), (finding.Id, finding.Severity.ToString()));
    }

    [Fact]
    public void Check_ReadyNodeWhosePortDoesNotAnswer_IsUnreachableFromHere()
    {
        Assert.Equal(CheckIds.NodeKubeletUnreachable, Assert.Single(Check(Cluster.Node("w-1"), ProbeOutcome.TimedOut)).Id);
    }

    [Fact]
    public void Check_ReadyNodeThatConnectsButNeverCompletesTheHandshake_SaysSoRatherThanUnreachable()
    {
        var node = Cluster.Node("w-1");
        var probes = new Dictionary<string, ProbeResult>
        {
            [node.Name] = new(node.Name, "10.0.0.1:10250", ProbeOutcome.Failed, TlsProbe.HandshakeTimedOut, null, TimeSpan.FromSeconds(4)),
        };
        var finding = Assert.Single(NodeChecks.Check(Cluster.Facts([node], null, null, "v1.31.2"), probes, Now));
        Assert.Equal(CheckIds.NodeKubeletUnreachable, finding.Id);
        Assert.Contains("accepts connections but does not complete a TLS handshake", finding.Symptom, StringComparison.Ordinal);
        Assert.DoesNotContain("not reachable", finding.Symptom, StringComparison.Ordinal);
        Assert.Contains("tried twice", Assert.Single(finding.Evidence), StringComparison.Ordinal);
    }
}
