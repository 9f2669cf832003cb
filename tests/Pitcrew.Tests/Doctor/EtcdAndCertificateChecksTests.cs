using Pitcrew.Doctor;
using Pitcrew.Etcd;

namespace Pitcrew.Tests.Doctor;

public sealed class EtcdAndCertificateChecksTests
{
    private static EndpointStatus Member(string endpoint, long size, long inUse, IReadOnlyList<string>? alarms = null, ulong leader = 1) =>
        new(endpoint, 1, 9, "3.4.30", size, inUse, leader, false, 4, 100, 100, 50, [], alarms ?? [], null);

    [Fact]
    public void Check_HealthyMember_FindsNothing()
    {
        Assert.Empty(EtcdChecks.Check([Member("http://127.0.0.1:2379", 20 << 20, 18 << 20)], Thresholds.EtcdDefaultQuota));
    }

    [Fact]
    public void Check_NospaceAlarm_IsCriticalWithCompactDefragDisarm()
    {
        var finding = Assert.Single(EtcdChecks.Check([Member("http://127.0.0.1:2379", 1 << 20, 1 << 20, ["memberID:1 alarm:NOSPACE"])], 1 << 20));
        Assert.Equal((CheckIds.EtcdAlarm, Severity.Critical), (finding.Id, finding.Severity));
        Assert.Contains("quota", finding.Cause, StringComparison.Ordinal);
        Assert.Contains("etcdctl alarm disarm", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_UnreachableMember_IsCritical()
    {
        var finding = Assert.Single(EtcdChecks.Check([EndpointStatus.Failed("https://10.0.0.2:2379", "connection refused")], Thresholds.EtcdDefaultQuota));
        Assert.Equal(CheckIds.EtcdUnreachable, finding.Id);
    }

    [Fact]
    public void Check_NoLeader_IsCritical()
    {
        Assert.Contains(EtcdChecks.Check([Member("a", 1 << 20, 1 << 20, leader: 0)], Thresholds.EtcdDefaultQuota), f => f.Id == CheckIds.EtcdNoLeader);
    }

    [Theory]
    [InlineData(85, "Warning")]
    [InlineData(97, "Critical")]
    public void Check_DbNearQuota_FollowsThePercentages(int percent, string severity)
    {
        var finding = Assert.Single(EtcdChecks.Check([Member("a", 1000L * percent, 1000L * percent)], 100_000));
        Assert.Equal((CheckIds.EtcdDbSize, severity), (finding.Id, finding.Severity.ToString()));
    }

    [Fact]
    public void Check_MostlyFreeDatabase_AsksForDefrag()
    {
        Assert.Equal(CheckIds.EtcdFragmented, Assert.Single(EtcdChecks.Check([Member("a", 400L << 20, 100L << 20)], Thresholds.EtcdDefaultQuota)).Id);
    }

    [Theory]
    [InlineData(90, null)]
    [InlineData(20, "Warning")]
    [InlineData(5, "Critical")]
    [InlineData(-1, "Critical")]
    public void Check_Certificate_ByResidualTime(int days, string? severity)
    {
        var cert = new CertificateFacts("kubelet", "CN=w-1@kubelet", "CN=ca", Cluster.Now.AddDays(-300), Cluster.Now.AddDays(days), false);
        var findings = CertificateChecks.Check([new SeenCertificate(CertificateSource.Kubelet, new ObjectRef("Node", null, "w-1"), "TLS handshake 10.0.0.1:10250", cert)],
            Cluster.Now).ToList();
        Assert.Equal(severity, findings.SingleOrDefault()?.Severity.ToString());
        if (severity is not null)
        {
            Assert.Contains("kubelet.crt", findings[0].Remedy, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(null, "Warning", 0)]
    [InlineData("Info", "Warning", 0)]
    [InlineData("Warning", "Warning", 20)]
    [InlineData("Critical", "Warning", 21)]
    [InlineData("Warning", "Critical", 0)]
    [InlineData("Critical", "Critical", 21)]
    public void ExitCode_FollowsWorstSeverityAndFailOn(string? worst, string failOn, int code)
    {
        Assert.Equal(code, DoctorExitCodes.For(worst is null ? null : Enum.Parse<Severity>(worst), Enum.Parse<Severity>(failOn)));
    }

    [Fact]
    public void Baseline_SortsFindingsIntoNewFixedAndUnchanged()
    {
        var before = new[] { new BaselineFinding("node.not-ready", "critical", "node/w-1", "x"), new BaselineFinding("pod.crash-loop", "warning", "pod/shop/api", "y") };
        Finding Now(string id, string node) => new(id, Severity.Warning, new ObjectRef("Node", null, node), "s", "c", [], "r");
        var diff = Baseline.Compare("before.json", before, [Now("node.not-ready", "w-1"), Now("node.disk-pressure", "w-2")]);
        Assert.Equal(["node.disk-pressure|node/w-2"], diff.New);
        Assert.Equal(["node.not-ready|node/w-1"], diff.Unchanged);
        Assert.Equal("pod/shop/api", Assert.Single(diff.Fixed).Object);
    }
}
