using Pitcrew.Restore;

namespace Pitcrew.Tests.Restore;

public sealed class ClusterRestoreProcedureTests
{
    private static readonly SnapshotFacts Kubernetes = new(4242, true, null);

    private static ClusterRestoreInputs Inputs(IReadOnlyList<HostedMember> members, SnapshotFacts? facts = null, string dataDir = "/var/lib/etcd") =>
        new("/here/snap.db", "/root/snap.db", facts ?? Kubernetes, members, "etcd-cluster", null, dataDir, "/etc/kubernetes/manifests", "20261201T020000Z");

    private static readonly HostedMember[] Three =
    [
        new("cp-1", "cp-1", ["https://10.0.0.11:2380"]),
        new("cp-2", "cp-2", ["https://10.0.0.12:2380"]),
        new("cp-3", "cp-3", ["https://10.0.0.13:2380"]),
    ];

    [Fact]
    public void Plan_StopsEveryMemberBeforeAnyRestore_AndStartsThemOnlyAfterAll()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs(Three));

        Assert.True(plan.Ok);
        var ids = plan.Steps.Select(s => s.Id).ToList();
        var lastStop = ids.FindLastIndex(i => i.StartsWith("wait-etcd-exit/", StringComparison.Ordinal));
        var firstAside = ids.FindIndex(i => i.StartsWith("move-aside/", StringComparison.Ordinal));
        var lastChown = ids.FindLastIndex(i => i.StartsWith("chown/", StringComparison.Ordinal));
        var firstStart = ids.FindIndex(i => i.StartsWith("start-etcd/", StringComparison.Ordinal));
        Assert.True(lastStop < firstAside && lastChown < firstStart);
        Assert.True(ids.IndexOf("etcd-health") > ids.FindLastIndex(i => i.StartsWith("start-etcd/", StringComparison.Ordinal)));
        Assert.True(ids.IndexOf("verify-counts") == ids.Count - 1);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(3 * 7 + 3, ids.Count);
    }

    [Fact]
    public void Plan_MovesTheOldDirAsideWithTheStamp_AndRestoresEachMemberWithItsOwnFlags()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs(Three));

        Assert.Equal("mv /var/lib/etcd /var/lib/etcd.before-restore-20261201T020000Z", plan.Steps.Single(s => s.Id == "move-aside/cp-2").Command);
        Assert.Equal("mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml.pitcrew-restore", plan.Steps.Single(s => s.Id == "stop-etcd/cp-1").Command);
        Assert.Equal("chown -R --reference=/var/lib/etcd.before-restore-20261201T020000Z /var/lib/etcd", plan.Steps.Single(s => s.Id == "chown/cp-3").Command);
        var restore = plan.Steps.Single(s => s.Id == "restore/cp-2").Command!;
        Assert.StartsWith("pitcrew etcd snapshot restore /root/snap.db --data-dir /var/lib/etcd --name cp-2 ", restore, StringComparison.Ordinal);
        Assert.Contains("--initial-advertise-peer-urls https://10.0.0.12:2380", restore, StringComparison.Ordinal);
        Assert.Contains("--initial-cluster cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380,cp-3=https://10.0.0.13:2380", restore, StringComparison.Ordinal);
        Assert.Contains($"--bump-revision {RestorePlanner.KubernetesBump} --mark-compacted", restore, StringComparison.Ordinal);
        Assert.Equal(4242 + RestorePlanner.KubernetesBump, plan.Restore.RestoredRevision);

        // The IDs are those `etcd restore plan` derives for the same cluster.
        var direct = RestorePlanner.PlanCluster("cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380,cp-3=https://10.0.0.13:2380", "etcd-cluster");
        Assert.Equal(direct.ClusterIdHex, plan.Restore.ClusterId);
    }

    [Fact]
    public void Plan_RefusesWithoutSteps_WhenAnythingDoesNotCheckOut()
    {
        Assert.Contains(ClusterRestoreProcedure.Plan(Inputs([])).Problems, p => p.Check == "members");
        var twoOnOne = ClusterRestoreProcedure.Plan(Inputs([Three[0], Three[1] with { Node = "cp-1" }]));
        Assert.Contains(twoOnOne.Problems, p => p.Message.Contains("node cp-1 hosts several members", StringComparison.Ordinal));
        Assert.Contains(ClusterRestoreProcedure.Plan(Inputs(Three, dataDir: "var/lib/etcd")).Problems, p => p.Check == "data-dir");
        Assert.Contains(ClusterRestoreProcedure.Plan(Inputs(Three, new SnapshotFacts(0, false, "truncated"))).Problems, p => p.Check == "snapshot");
        var duplicate = ClusterRestoreProcedure.Plan(Inputs([Three[0], Three[1] with { PeerUrls = ["https://10.0.0.11:2380"] }]));
        Assert.Contains(duplicate.Problems, p => p.Check == "duplicate-url");
        Assert.All(new[] { twoOnOne, duplicate }, p => Assert.Empty(p.Steps));
    }

    [Fact]
    public void Discovery_PairsMembersWithNodesByName_ThenTheOneLeftWithTheOneLeft()
    {
        var (hosted, problems) = ClusterRestoreDiscovery.Pair(
            [("cp-1", ["https://10.0.0.11:2380"]), ("etcd-x", ["https://10.0.0.12:2380"])], ["cp-1", "cp-2"]);
        Assert.Empty(problems);
        Assert.Equal(["cp-1=cp-1", "cp-2=etcd-x"], hosted.Select(h => $"{h.Node}={h.Member}"));

        var (_, ambiguous) = ClusterRestoreDiscovery.Pair([("a", ["https://1.1.1.1:2380"]), ("b", ["https://1.1.1.2:2380"])], ["cp-1", "cp-2"]);
        Assert.Contains(ambiguous, p => p.Check == "members");

        var fromFlag = ClusterRestoreDiscovery.FromInitialCluster("cp-1=https://10.0.0.11:2380, cp-2=https://10.0.0.12:2380");
        Assert.Equal(["cp-1", "cp-2"], fromFlag.Select(m => m.Node));
    }

    [Fact]
    public async Task Journal_RoundTrips_AndRecordsStepsInOrder()
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-journal-").FullName;
        try
        {
            Assert.Null(await ClusterRestoreJournal.LoadAsync(dir, TestContext.Current.CancellationToken));
            var journal = new ClusterRestoreJournal("/here/snap.db", "20261201T020000Z", ["cp-1=cp-1"], [], false).With("stop-etcd/cp-1").With("wait-etcd-exit/cp-1");
            await journal.SaveAsync(dir, TestContext.Current.CancellationToken);
            var loaded = await ClusterRestoreJournal.LoadAsync(dir, TestContext.Current.CancellationToken);
            Assert.Equal(["stop-etcd/cp-1", "wait-etcd-exit/cp-1"], loaded!.Done);
            Assert.True(loaded.IsDone("stop-etcd/cp-1"));
            Assert.False(loaded.IsDone("restore/cp-1"));
            Assert.Equal("20261201T020000Z", loaded.Stamp);
            Assert.Equal(["cluster-restore.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
