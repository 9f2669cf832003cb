using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

public sealed class PodChecksTests
{
    private static List<Finding> Check(params PodFacts[] pods) =>
        [.. PodChecks.Check(Cluster.Facts([Cluster.Node("w-1")], pods), _ => true, Cluster.Now)];

    [Fact]
    public void Check_CrashLoop_NamesExitCodeAndRestarts()
    {
        var finding = Assert.Single(Check(Cluster.Pod("api", "w-1").WithContainer(Cluster.Container("api", 7, "CrashLoopBackOff", "Error", 1))));
        Assert.Equal(CheckIds.PodCrashLoop, finding.Id);
        Assert.Equal("container api is in CrashLoopBackOff (restarted 7 times)", finding.Symptom);
        Assert.Contains("exit code 1 (Error)", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("--previous", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ImagePullBackOff_PointsAtNameSecretsAndRegistry()
    {
        var finding = Assert.Single(Check(Cluster.Pod("api", "w-1", "Pending").WithContainer(Cluster.Container("api", 0, "ImagePullBackOff"))));
        Assert.Equal(CheckIds.PodImagePull, finding.Id);
        Assert.Contains("imagePullSecrets", finding.Cause, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OomKilledCrashLoop_ReportsBoth()
    {
        var findings = Check(Cluster.Pod("api", "w-1").WithContainer(Cluster.Container("api", 3, "CrashLoopBackOff", "OOMKilled", 137)));
        Assert.Equal([CheckIds.PodCrashLoop, CheckIds.PodOomKilled], findings.Select(f => f.Id));
        Assert.Contains("memory limit", findings[1].Remedy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, "Info")]
    [InlineData(12, "Warning")]
    public void Check_EvictedPods_AreGroupedPerNamespace(int count, string severity)
    {
        var evicted = Enumerable.Range(0, count).Select(i => Cluster.Pod($"e-{i}", "w-1", "Failed") with { Reason = "Evicted", Message = "The node was low on resource: memory." });
        var finding = Assert.Single(Check([.. evicted]));
        Assert.Equal((CheckIds.PodEvicted, severity), (finding.Id, finding.Severity.ToString()));
        Assert.Equal($"{count} evicted pod(s) left in namespace shop", finding.Symptom);
    }

    [Fact]
    public void Check_WarningEvents_AreGroupedByReasonAndObject()
    {
        EventFacts Event(string name, int count) => new("shop", "Pod", name, "BackOff", "Back-off restarting failed container", count, Cluster.Now.AddMinutes(-2));
        var facts = Cluster.Facts([Cluster.Node("w-1")], events: [Event("a", 3), Event("a", 2), Event("b", 1), Event("a", 1) with { LastSeen = Cluster.Now.AddHours(-3) }]);
        var findings = PodChecks.Check(facts, _ => true, Cluster.Now).ToList();
        Assert.Equal(["5x Warning BackOff", "1x Warning BackOff"], findings.Select(f => f.Symptom));
        Assert.Equal("pod/shop/a", findings[0].Object.Ref);
    }

    [Fact]
    public void Check_OtherNamespaces_AreLeftOut()
    {
        var pod = Cluster.Pod("api", "w-1").WithContainer(Cluster.Container("api", 7, "CrashLoopBackOff", "Error", 1));
        Assert.Empty(PodChecks.Check(Cluster.Facts([Cluster.Node("w-1")], [pod]), ns => ns == "other", Cluster.Now));
    }
}
