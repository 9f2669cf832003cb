using Pitcrew.Restore;

namespace Pitcrew.Tests.Restore;

public sealed class ClusterRestorePlannerTests
{
    private static readonly SnapshotFacts Facts = new(41, true, null);

    [Fact]
    public void Plan_ListsMembersInTheOrderGivenNotByMemberId()
    {
        var urls = new[] { "cp1=http://10.0.0.1:2380", "cp2=http://10.0.0.2:2380", "cp3=http://10.0.0.3:2380" };
        // Give them in the reverse of ID order, so an ID-ordered plan cannot pass.
        var byId = RestorePlanner.PlanCluster(string.Join(',', urls), "tok").Members.Select(m => m.Name).ToList();
        var given = byId.AsEnumerable().Reverse().ToList();
        var initialCluster = string.Join(',', given.Select(name => urls.Single(u => u.StartsWith(name + "=", StringComparison.Ordinal))));

        var report = ClusterRestorePlanner.Plan("/backup/etcd.db", Facts, initialCluster, "tok", dataDir: null, bump: null);

        Assert.Equal(given, report.Members.Select(m => m.Name));
    }

    [Fact]
    public void Plan_WithoutDataDir_PrintsFullCommandsIntoKubeadmsDataDir()
    {
        const string initialCluster = "cp2=http://10.0.0.2:2380,cp1=http://10.0.0.1:2380";
        var report = ClusterRestorePlanner.Plan("/backup/etcd.db", Facts, initialCluster, "tok", dataDir: null, bump: 0);

        Assert.Equal(
            $"pitcrew etcd snapshot restore /backup/etcd.db --data-dir /var/lib/etcd --name cp2 --initial-cluster {initialCluster} "
            + "--initial-cluster-token tok --initial-advertise-peer-urls http://10.0.0.2:2380 --bump-revision 0",
            report.Members[0].Command);
        Assert.All(report.Members, m => Assert.Contains($"--data-dir /var/lib/etcd --name {m.Name} ", m.Command, StringComparison.Ordinal));
    }
}
