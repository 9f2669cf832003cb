using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Restore;

namespace Pitcrew.Tests.Restore;

/// <summary>The pure parts of a restore on several control planes: upload and hash check first, etcd's own tool, and the checks of the restored cluster.</summary>
public sealed class ClusterRestoreHaTests
{
    private const string Sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    private static readonly HostedMember[] Three =
    [
        new("cp-1", "cp-1", ["https://10.0.0.11:2380"]),
        new("cp-2", "cp-2", ["https://10.0.0.12:2380"]),
        new("cp-3", "cp-3", ["https://10.0.0.13:2380"]),
    ];

    private static ClusterRestoreInputs Inputs(bool upload = true, RestoreTool tool = RestoreTool.Pitcrew, long? bump = null) =>
        new("/here/snap.db", ClusterRestoreProcedure.UploadPath("/here/snap.db"), new SnapshotFacts(4242, true, null), Three, ClusterRestoreProcedure.TokenOf("20261201T020000Z"),
            bump, "/var/lib/etcd", "/etc/kubernetes/manifests", "20261201T020000Z", upload, Sha, tool);

    [Fact]
    public void Plan_UploadsToEveryNodeAndChecksEveryCopy_BeforeAnyManifestIsParked()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs());

        var ids = plan.Steps.Select(s => s.Id).ToList();
        Assert.Equal(["upload/cp-1", "upload/cp-2", "upload/cp-3", "check-snapshot/cp-1", "check-snapshot/cp-2", "check-snapshot/cp-3", "stop-etcd/cp-1"], ids.Take(7));
        Assert.Equal("/var/lib/pitcrew/restore/snap.db", plan.Steps[0].Path);
        Assert.Equal("sha256sum /var/lib/pitcrew/restore/snap.db", plan.Steps[3].Command);
        Assert.Equal(Sha, plan.Steps[3].Sha256);
        Assert.All(plan.Steps.Take(6), s => Assert.False(s.Touches));
        Assert.All(plan.Steps.Skip(6), s => Assert.True(s.Touches));
        Assert.StartsWith("pitcrew etcd snapshot restore /var/lib/pitcrew/restore/snap.db ", plan.Steps.Single(s => s.Id == "restore/cp-2").Command, StringComparison.Ordinal);
        Assert.True(ids.IndexOf("verify-members") == ids.IndexOf("etcd-health") + 1);
    }

    [Fact]
    public void Plan_WithACopyAlreadyThere_ChecksItButUploadsNothing()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs(upload: false) with { NodeSnapshot = "/root/snap.db" });

        Assert.DoesNotContain(plan.Steps, s => s.Kind == RestoreStepKind.Upload);
        Assert.Equal("sha256sum /root/snap.db", plan.Steps[0].Command);
    }

    [Fact]
    public void Plan_GivesEveryMemberOneNewToken_AndTheWholeInitialCluster()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs());

        var restores = plan.Steps.Where(s => s.Id.StartsWith("restore/", StringComparison.Ordinal)).Select(s => s.Command!).ToList();
        Assert.Equal(3, restores.Count);
        Assert.All(restores, r => Assert.Contains("--initial-cluster-token pitcrew-restore-20261201T020000Z", r, StringComparison.Ordinal));
        Assert.All(restores, r => Assert.Contains("--initial-cluster cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380,cp-3=https://10.0.0.13:2380", r, StringComparison.Ordinal));
        Assert.Equal(RestorePlanner.PlanCluster("cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380,cp-3=https://10.0.0.13:2380", "pitcrew-restore-20261201T020000Z").ClusterIdHex,
            plan.Restore.ClusterId);
    }

    [Fact]
    public void Plan_WithEtcdctl_RunsEtcdsOwnTool_WithoutBumpFlags()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs(tool: RestoreTool.Etcdctl, bump: 0));

        Assert.True(plan.Ok);
        Assert.Equal(
            "etcdctl snapshot restore /var/lib/pitcrew/restore/snap.db --data-dir /var/lib/etcd --name cp-3 " +
            "--initial-cluster cp-1=https://10.0.0.11:2380,cp-2=https://10.0.0.12:2380,cp-3=https://10.0.0.13:2380 " +
            "--initial-cluster-token pitcrew-restore-20261201T020000Z --initial-advertise-peer-urls https://10.0.0.13:2380",
            plan.Steps.Single(s => s.Id == "restore/cp-3").Command);
    }

    [Fact]
    public void Plan_WithEtcdctlAndTheKubernetesBump_IsRefused_WithTheWayOut()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs(tool: RestoreTool.Etcdctl));

        var problem = Assert.Single(plan.Problems);
        Assert.Equal("restore-tool", problem.Check);
        Assert.Contains("--bump-revision 0", problem.Hint, StringComparison.Ordinal);
        Assert.Empty(plan.Steps);
    }

    [Theory]
    [InlineData("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08  /var/lib/pitcrew/restore/snap.db", Sha)]
    [InlineData("\\9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  /odd\\nname", Sha)]
    [InlineData("sha256sum: /x: No such file or directory", null)]
    [InlineData("", null)]
    public void Parse_ReadsTheHashOfSha256sumsFirstLine(string line, string? expected) =>
        Assert.Equal(expected, SnapshotHashes.Parse([line]));

    [Fact]
    public void Membership_MatchingThePlan_HasNoProblems()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs()).Restore;

        Assert.Empty(ClusterRestoreVerification.Membership(plan, Listed(plan)));
        Assert.Empty(ClusterRestoreVerification.ClusterIds(plan, [.. plan.Members.Select(m => new RestoredMemberStatus("http://" + m.Name, m.MemberId, plan.ClusterId, 7))]));
    }

    [Fact]
    public void Membership_WithALearnerAnUnpublishedMemberAndAStranger_NamesEach()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs()).Restore;
        var listed = Listed(plan);
        listed[0] = listed[0] with { IsLearner = true };
        listed[1] = listed[1] with { Name = string.Empty, ClientUrls = [] };
        listed.Add(new ListedMember("old", "abc", false, ["http://old"]));

        var problems = ClusterRestoreVerification.Membership(plan, listed);

        Assert.Equal(4, problems.Count);
        Assert.Contains("etcd lists 4 members", problems[0], StringComparison.Ordinal);
        Assert.Contains($"member cp-1 (ID {plan.Members[0].MemberId}) is a learner", problems[1], StringComparison.Ordinal);
        Assert.Contains("has not published its name", problems[2], StringComparison.Ordinal);
        Assert.Equal("member old abc is not in the plan", problems[3]);
    }

    [Fact]
    public void ClusterIds_ReportsAMemberOfAnotherClusterAndOneThatDidNotAnswer()
    {
        var plan = ClusterRestoreProcedure.Plan(Inputs()).Restore;

        var problems = ClusterRestoreVerification.ClusterIds(plan,
            [new("http://a", plan.Members[0].MemberId, plan.ClusterId, 7), new("http://b", plan.Members[1].MemberId, "deadbeef", 7)]);

        Assert.Equal([$"member {plan.Members[2].Name} (ID {plan.Members[2].MemberId}) did not answer status",
            $"http://b (member {plan.Members[1].MemberId}) reports cluster ID deadbeef, the plan {plan.ClusterId}"], problems);
    }

    [Fact]
    public void Compare_ListsEveryPrefix_AndLostOnlyThoseTheSnapshotHasAndTheMemberServesNoneOf()
    {
        var counts = ClusterRestoreVerification.Compare(
            new Dictionary<string, long> { ["/registry/pods/"] = 4, ["/app/"] = 2 },
            new Dictionary<string, long> { ["/registry/pods/"] = 3, ["/new/"] = 1 });

        Assert.Equal(["/app/", "/new/", "/registry/pods/"], counts.Select(c => c.Prefix));
        Assert.Equal(["/app/"], ClusterRestoreVerification.Lost(counts));
    }

    [Fact]
    public void Decide_AnUnfinishedJournalThatTouchedNothing_StartsFresh()
    {
        var request = new ClusterRestoreRequest("/here/snap.db", null, null, null, null, null, "/var/lib/etcd", "/etc/kubernetes/manifests", "/state", false, false, false,
            new EtcdConnectionOptions(["http://127.0.0.1:2379"]), null);
        var untouched = new ClusterRestoreJournal("/here/snap.db", "20261201T020000Z", [], ["upload/cp-1", "check-snapshot/cp-1"], false);

        Assert.Equal(ClusterRestoreStartKind.Fresh, ClusterRestoreStart.Decide(request, untouched).Kind);
        var touched = untouched.With("stop-etcd/cp-1");
        Assert.Equal(ExitCodes.Blocked, ClusterRestoreStart.Decide(request, touched).ExitCode);
    }

    private static List<ListedMember> Listed(RestorePlanReport plan) =>
        [.. plan.Members.Select(m => new ListedMember(m.Name, m.MemberId, false, ["http://" + m.Name]))];
}
