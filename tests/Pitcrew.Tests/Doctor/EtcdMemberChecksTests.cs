using Pitcrew.Doctor;
using Pitcrew.Etcd;

namespace Pitcrew.Tests.Doctor;

/// <summary>The HA member checks over a member list and statuses: each finding names the member's node.</summary>
public sealed class EtcdMemberChecksTests
{
    private const ulong Cluster = 0xc1;

    private static EtcdMemberInfo Entry(int n, bool learner = false, bool started = true) =>
        new((ulong)n, started ? $"cp-{n}" : string.Empty, [$"https://10.0.0.{n}:2380"], started ? [$"https://10.0.0.{n}:2379"] : [], learner);

    private static EndpointStatus Status(int n, ulong applied = 500, ulong leader = 1, ulong cluster = Cluster, ulong index = 500) =>
        new($"https://10.0.0.{n}:2379", (ulong)n, cluster, "3.5.16", 20 << 20, 18 << 20, leader, false, 4, index, applied, 90, [], [], null);

    private static EtcdClusterView Three(params EndpointStatus[] statuses) => new([Entry(1), Entry(2), Entry(3)], statuses);

    [Fact]
    public void ThreeHealthyCaughtUpMembers_FindNothing()
    {
        Assert.Empty(EtcdMemberChecks.Check(Three(Status(1), Status(2, applied: 499), Status(3))));
    }

    [Fact]
    public void OneOfThreeDown_IsCriticalAndNamesItsNode_TheEndpointCheckStaysQuiet()
    {
        var down = EndpointStatus.Failed("https://10.0.0.3:2379", "connection refused (is etcd running there?)");
        var view = Three(Status(1), Status(2), down);
        var finding = Assert.Single(EtcdMemberChecks.Check(view));
        Assert.Equal((CheckIds.EtcdMemberDown, Severity.Critical, "etcdmember/cp-3"), (finding.Id, finding.Severity, finding.Object.Ref));
        Assert.Equal("etcd member cp-3 does not answer: losing one more member loses the quorum (2 of 3)", finding.Symptom);
        Assert.Contains("2 of 3 voting members answer; a quorum is 2", finding.Evidence);
        Assert.Contains("on node cp-3", finding.Remedy, StringComparison.Ordinal);
        Assert.True(EtcdMemberChecks.Covers(view, down));
    }

    [Fact]
    public void OneOfFiveDown_IsAWarning_TwoDown_Critical()
    {
        EtcdMemberInfo[] five = [Entry(1), Entry(2), Entry(3), Entry(4), Entry(5)];
        var one = EtcdMemberChecks.Check(new(five, [Status(1), Status(2), Status(3), Status(4), EndpointStatus.Failed("https://10.0.0.5:2379", "refused")])).ToList();
        Assert.Equal(Severity.Warning, Assert.Single(one).Severity);
        Assert.Contains("1 more member(s) may be lost", one[0].Symptom, StringComparison.Ordinal);
        var two = EtcdMemberChecks.Check(new(five, [Status(1), Status(2), Status(3), EndpointStatus.Failed("https://10.0.0.4:2379", "refused"), EndpointStatus.Failed("https://10.0.0.5:2379", "refused")]));
        Assert.All(two, f => Assert.Equal(Severity.Critical, f.Severity));
    }

    [Fact]
    public void TwoOfThreeDown_SaysTheQuorumIsLost()
    {
        var findings = EtcdMemberChecks.Check(Three(Status(1), EndpointStatus.Failed("https://10.0.0.2:2379", "refused"), EndpointStatus.Failed("https://10.0.0.3:2379", "refused"))).ToList();
        Assert.Equal(["etcdmember/cp-2", "etcdmember/cp-3"], findings.Select(f => f.Object.Ref));
        Assert.All(findings, f => Assert.Contains("the quorum is lost", f.Symptom, StringComparison.Ordinal));
    }

    [Fact]
    public void AMemberFarBehindTheLeader_IsAWarningWithBothIndexes()
    {
        var finding = Assert.Single(EtcdMemberChecks.Check(Three(Status(1, index: 50_000, applied: 50_000), Status(2, applied: 49_990), Status(3, applied: 20_000))));
        Assert.Equal((CheckIds.EtcdMemberBehind, "etcdmember/cp-3"), (finding.Id, finding.Object.Ref));
        Assert.Equal("etcd member cp-3 is 30,000 raft entries behind the leader cp-1", finding.Symptom);
        Assert.Equal(["leader cp-1: raft index 50000", "cp-3: raft applied index 20000, revision 90"], finding.Evidence);
    }

    [Fact]
    public void ALearnerLeftUnpromoted_IsAWarningWithThePromoteCommand()
    {
        var finding = Assert.Single(EtcdMemberChecks.Check(new([Entry(1), Entry(2), Entry(3, learner: true)], [Status(1), Status(2), Status(3)])));
        Assert.Equal((CheckIds.EtcdLearner, "etcdmember/cp-3"), (finding.Id, finding.Object.Ref));
        Assert.Equal("once it caught up with the leader: pitcrew etcd member promote 3 (etcdctl member promote 3)", finding.Remedy);
    }

    [Fact]
    public void AMemberOfAnotherCluster_IsCriticalAndListsBothClusters()
    {
        var finding = Assert.Single(EtcdMemberChecks.Check(Three(Status(1), Status(2), Status(3, cluster: 0xbad, leader: 3))));
        Assert.Equal((CheckIds.EtcdClusterIdMismatch, Severity.Critical, "etcdmember/cp-3"), (finding.Id, finding.Severity, finding.Object.Ref));
        Assert.Equal("etcd member cp-3 belongs to another cluster (bad, not c1)", finding.Symptom);
        Assert.Equal(["cluster c1: cp-1, cp-2", "cluster bad: cp-3"], finding.Evidence);
        Assert.Contains("pitcrew cluster restore", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void AMemberAddedButNeverStarted_IsDownAndSaysSo()
    {
        var finding = Assert.Single(EtcdMemberChecks.Check(new([Entry(1), Entry(2), Entry(3), Entry(4, started: false)], [Status(1), Status(2), Status(3)])));
        Assert.Equal(CheckIds.EtcdMemberDown, finding.Id);
        Assert.StartsWith("etcd member 4 (https://10.0.0.4:2380, never started) does not answer", finding.Symptom, StringComparison.Ordinal);
        Assert.Contains("etcdctl member remove 4", finding.Remedy, StringComparison.Ordinal);
    }

    [Fact]
    public void NoMemberList_ChecksNothingHere()
    {
        Assert.Empty(EtcdMemberChecks.Check(new([], [EndpointStatus.Failed("a", "refused")])));
    }
}
