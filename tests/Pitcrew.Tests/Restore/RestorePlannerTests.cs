using Pitcrew.Restore;

namespace Pitcrew.Tests.Restore;

public sealed class RestorePlannerTests
{
    [Fact]
    public void PlanCluster_DerivesTheIdsEtcdctlPrints()
    {
        // etcdctl 3.4 snapshot restore --name r1 --initial-cluster r1=http://127.0.0.1:24800 (default token) logged these.
        var plan = RestorePlanner.PlanCluster("r1=http://127.0.0.1:24800", "etcd-cluster");

        Assert.True(plan.Ok);
        Assert.Equal("886b03c4ae679a15", plan.Members.Single().IdHex);
        Assert.Equal("263de8252887371c", plan.ClusterIdHex);
    }

    [Fact]
    public void PlanCluster_SortsMembersById_AndIdsDependOnTokenAndUrlsOnly()
    {
        var a = RestorePlanner.PlanCluster("b=http://10.0.0.2:2380,a=http://10.0.0.1:2380", "t");
        var b = RestorePlanner.PlanCluster("a=http://10.0.0.1:2380,b=http://10.0.0.2:2380", "t");
        var other = RestorePlanner.PlanCluster("a=http://10.0.0.1:2380,b=http://10.0.0.2:2380", "t2");

        Assert.Equal(a.ClusterId, b.ClusterId);
        Assert.True(a.Members[0].Id < a.Members[1].Id);
        Assert.NotEqual(a.ClusterId, other.ClusterId);
        Assert.Equal(MemberIds.Member(["http://10.0.0.1:2380"], "t"), a.Member("a")!.Id);
    }

    [Fact]
    public void PlanCluster_MemberWithSeveralUrls_HashesThemSortedAndJoined()
    {
        var plan = RestorePlanner.PlanCluster("a=http://10.0.0.9:2380,a=http://10.0.0.1:2380", "t");

        Assert.Equal(["http://10.0.0.1:2380", "http://10.0.0.9:2380"], plan.Member("a")!.PeerUrls);
        Assert.Equal(MemberIds.Member(["http://10.0.0.1:2380", "http://10.0.0.9:2380"], "t"), plan.Member("a")!.Id);
    }

    [Theory]
    [InlineData("a=http://10.0.0.1:2380,b=http://10.0.0.1:2380", "duplicate-url")]
    [InlineData("a=10.0.0.1:2380", "initial-cluster")]
    [InlineData("a=ftp://10.0.0.1:2380", "initial-cluster")]
    [InlineData("a=http://10.0.0.1:2380/path", "initial-cluster")]
    [InlineData("a=http://10.0.0.1", "initial-cluster")]
    [InlineData("", "initial-cluster")]
    public void PlanCluster_RejectsBadMembership(string initialCluster, string check)
    {
        var plan = RestorePlanner.PlanCluster(initialCluster, "t");

        Assert.Contains(plan.Problems, p => p.Check == check);
    }

    [Fact]
    public void PlanMember_NameMissingFromCluster_SaysWhichNamesExist()
    {
        var plan = RestorePlanner.PlanMember(Options("c", "http://10.0.0.3:2380"), hasRegistryKeys: false);

        var problem = Assert.Single(plan.Problems);
        Assert.Equal("name", problem.Check);
        Assert.Contains("couldn't find local name \"c\"", problem.Message, StringComparison.Ordinal);
        Assert.Contains("a, b", problem.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void PlanMember_PeerUrlsNotMatchingTheEntry_Fails()
    {
        var plan = RestorePlanner.PlanMember(Options("a", "http://10.0.0.2:2380"), hasRegistryKeys: false);

        var problem = Assert.Single(plan.Problems);
        Assert.Equal("peer-urls", problem.Check);
        Assert.Contains("a=http://10.0.0.1:2380", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true, RestorePlanner.KubernetesBump)]
    [InlineData(null, false, 0L)]
    [InlineData(0L, true, 0L)]
    [InlineData(500L, false, 500L)]
    public void PlanMember_BumpsKubernetesStoresByDefault(long? requested, bool registry, long expected)
    {
        var plan = RestorePlanner.PlanMember(Options("a", "http://10.0.0.1:2380") with { BumpRevision = requested }, registry);

        Assert.True(plan.Ok);
        Assert.Equal(expected, plan.BumpRevision);
        Assert.Equal(expected > 0, plan.MarkCompacted);
    }

    [Fact]
    public void PlanMember_MarkCompactedWithoutBump_Fails()
    {
        var plan = RestorePlanner.PlanMember(Options("a", "http://10.0.0.1:2380") with { BumpRevision = 0, MarkCompacted = true }, true);

        Assert.Equal("mark-compacted", Assert.Single(plan.Problems).Check);
    }

    [Fact]
    public void Options_DefaultLikeEtcdctl()
    {
        var options = new RestoreOptions("snap.db");
        var plan = RestorePlanner.PlanMember(options, hasRegistryKeys: false);

        Assert.True(plan.Ok);
        Assert.Equal("default.etcd", options.EffectiveDataDir);
        Assert.Equal(Path.Combine("default.etcd", "member", "wal"), options.EffectiveWalDir);
        Assert.Equal("default", plan.Self!.Name);
    }

    private static RestoreOptions Options(string name, string peer) =>
        new("snap.db", Name: name, InitialCluster: "a=http://10.0.0.1:2380,b=http://10.0.0.2:2380", InitialClusterToken: "t", InitialAdvertisePeerUrls: peer);
}
