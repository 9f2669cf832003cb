using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Restore;

namespace Pitcrew.Tests.Restore;

public sealed class ClusterRestoreStartTests
{
    private const string StateDir = "/state/pitcrew";
    private const string Snap = "/here/snap.db";

    private static ClusterRestoreRequest Request(string? snapshot = Snap, string? backup = null, bool resume = false, bool planOnly = false) =>
        new(snapshot, backup, null, null, "etcd-cluster", null, "/var/lib/etcd", "/etc/kubernetes/manifests", StateDir, false, resume, planOnly,
            new EtcdConnectionOptions(["http://127.0.0.1:2379"]), null);

    private static ClusterRestoreJournal Journal(string snapshot = Snap, bool finished = false) =>
        new(snapshot, "20261201T020000Z", ["cp-1|cp-1|https://10.0.0.11:2380"], ["stop-etcd/cp-1", "wait-etcd-exit/cp-1"], finished);

    [Fact]
    public void Decide_WithoutJournal_StartsFreshFromTheFileMadeAbsolute()
    {
        var start = ClusterRestoreStart.Decide(Request(snapshot: "snap.db"), null);

        Assert.Equal(ClusterRestoreStartKind.Fresh, start.Kind);
        Assert.Equal(Path.GetFullPath("snap.db"), start.Snapshot);
        Assert.Null(start.Journal);
        Assert.Null(start.Backup);
        Assert.Equal(ExitCodes.Ok, start.ExitCode);
    }

    [Fact]
    public void Decide_FromBackupWithoutJournal_FetchesTheBackup()
    {
        var start = ClusterRestoreStart.Decide(Request(snapshot: null, backup: "latest"), null);

        Assert.Equal(ClusterRestoreStartKind.Fresh, start.Kind);
        Assert.Null(start.Snapshot);
        Assert.Equal("latest", start.Backup);
    }

    [Fact]
    public void Decide_ResumeWithoutJournal_RefusesAsUsage()
    {
        var start = ClusterRestoreStart.Decide(Request(resume: true), null);

        Assert.Equal(ClusterRestoreStartKind.Refuse, start.Kind);
        Assert.Equal($"--resume: no journal in {StateDir}", start.Message);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
    }

    [Fact]
    public void Decide_UnfinishedJournalWithoutResume_RefusesAsBlocked_WithTheResumeHint()
    {
        var start = ClusterRestoreStart.Decide(Request(), Journal());

        Assert.Equal(ClusterRestoreStartKind.Refuse, start.Kind);
        Assert.Equal(ExitCodes.Blocked, start.ExitCode);
        Assert.Equal(ClusterRestoreStart.UnfinishedHint, start.Hint);
        Assert.Equal($"{StateDir}/{ClusterRestoreJournal.FileName}: an unfinished restore of {Snap} (2 steps done); add --resume, or move the journal aside to start over",
            start.Message);
    }

    [Fact]
    public void Decide_FinishedJournalWithoutResume_StartsFreshWithANewJournal()
    {
        var start = ClusterRestoreStart.Decide(Request(), Journal(finished: true));

        Assert.Equal(ClusterRestoreStartKind.Fresh, start.Kind);
        Assert.Null(start.Journal);
        Assert.Equal(Snap, start.Snapshot);
    }

    [Fact]
    public void Decide_PlanOnlyBesideAnUnfinishedJournal_PlansAFreshRunAndLeavesTheJournal()
    {
        Assert.False(Request(planOnly: true).ReadsJournal);

        var start = ClusterRestoreStart.Decide(Request(planOnly: true), Journal());

        Assert.Equal(ClusterRestoreStartKind.Fresh, start.Kind);
        Assert.Null(start.Journal);
        Assert.Contains("--plan-only", start.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ResumeWithTheSameFile_GoesOnFromTheJournal()
    {
        var journal = Journal();

        var start = ClusterRestoreStart.Decide(Request(resume: true), journal);

        Assert.Equal(ClusterRestoreStartKind.Resume, start.Kind);
        Assert.Same(journal, start.Journal);
        Assert.Equal(Snap, start.Snapshot);
        Assert.Null(start.Backup);
    }

    [Fact]
    public void Decide_ResumeFromBackup_UsesTheJournalsSnapshotInsteadOfFetchingAgain()
    {
        var start = ClusterRestoreStart.Decide(Request(snapshot: null, backup: "latest", resume: true), Journal("/state/pitcrew/restore-20261201T020000Z.db"));

        Assert.Equal(ClusterRestoreStartKind.Resume, start.Kind);
        Assert.Equal("/state/pitcrew/restore-20261201T020000Z.db", start.Snapshot);
        Assert.Null(start.Backup);
    }

    [Fact]
    public void Decide_ResumeWithAnotherFile_RefusesAsUsage()
    {
        var start = ClusterRestoreStart.Decide(Request(snapshot: "/here/other.db", resume: true), Journal());

        Assert.Equal(ClusterRestoreStartKind.Refuse, start.Kind);
        Assert.Equal($"--resume: the journal restores {Snap}, not /here/other.db", start.Message);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(Snap, "latest")]
    public void Decide_WithNeitherOrBothSources_RefusesAsUsage(string? snapshot, string? backup)
    {
        var start = ClusterRestoreStart.Decide(Request(snapshot, backup), null);

        Assert.Equal(ClusterRestoreStartKind.Refuse, start.Kind);
        Assert.Equal("pass exactly one of --snapshot FILE and --from-backup NAME", start.Message);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
    }

    [Fact]
    public void Decide_JournalRefusalsComeBeforeTheSourceCheck()
    {
        Assert.Equal(ExitCodes.Blocked, ClusterRestoreStart.Decide(Request(snapshot: null), Journal()).ExitCode);
        Assert.StartsWith("--resume: no journal", ClusterRestoreStart.Decide(Request(snapshot: null, resume: true), null).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_Starts_SayWhyInTheirReason_WithoutHintAndExitingOk()
    {
        var fresh = ClusterRestoreStart.Decide(Request(), null);
        var afterFinished = ClusterRestoreStart.Decide(Request(), Journal(finished: true));
        var planOnly = ClusterRestoreStart.Decide(Request(planOnly: true), Journal());
        var resumed = ClusterRestoreStart.Decide(Request(resume: true), Journal());

        Assert.Equal("no journal: a new restore", fresh.Message);
        Assert.Equal("the journal's restore finished: a new restore", afterFinished.Message);
        Assert.Equal("--plan-only: the unfinished journal is left as it is", planOnly.Message);
        Assert.Equal($"resume the restore of {Snap} (2 steps done)", resumed.Message);
        Assert.All(new[] { fresh, afterFinished, planOnly, resumed }, s =>
        {
            Assert.Null(s.Hint);
            Assert.Equal(ExitCodes.Ok, s.ExitCode);
        });
    }

    [Fact]
    public void Decide_ResumeOfAFinishedJournal_GoesOnFromIt()
    {
        var journal = Journal(finished: true);

        var start = ClusterRestoreStart.Decide(Request(resume: true), journal);

        Assert.Equal(ClusterRestoreStartKind.Resume, start.Kind);
        Assert.Same(journal, start.Journal);
    }

    [Fact]
    public void Decide_PlanOnlyResumeWithoutJournal_RefusesAsUsage()
    {
        var start = ClusterRestoreStart.Decide(Request(resume: true, planOnly: true), null);

        Assert.Equal(ClusterRestoreStartKind.Refuse, start.Kind);
        Assert.Equal($"--resume: no journal in {StateDir}", start.Message);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
    }

    [Fact]
    public void Decide_ARefusal_CarriesNoJournalSnapshotOrBackup()
    {
        var start = ClusterRestoreStart.Decide(Request(snapshot: "/here/other.db", resume: true), Journal());

        Assert.Null(start.Journal);
        Assert.Null(start.Snapshot);
        Assert.Null(start.Backup);
        Assert.Null(start.Hint);
    }

    [Theory]
    [InlineData("ssh", null, true)]
    [InlineData("sim", null, true)]
    [InlineData("local", null, false)]
    [InlineData("local", "/home/me/.kube/config", true)]
    public void UsesCluster_ForSshAndSimExecutorsOrAKubeconfig(string executor, string? kubeconfig, bool expected) =>
        Assert.Equal(expected, ClusterRestoreRequest.UsesCluster(executor, kubeconfig));

    [Fact]
    public void Journal_KeepsTheMembersSoAResumeFindsThemWithEtcdDown()
    {
        HostedMember[] members = [new("cp-1", "cp-1", ["https://10.0.0.11:2380"]), new("node-b", "etcd-b", ["https://10.0.0.12:2380", "https://10.0.1.12:2380"])];

        var journal = ClusterRestoreJournal.Start(Snap, "20261201T020000Z", members);

        Assert.Equal(["cp-1|cp-1|https://10.0.0.11:2380", "node-b|etcd-b|https://10.0.0.12:2380,https://10.0.1.12:2380"], journal.Members);
        Assert.Empty(journal.Done);
        Assert.False(journal.Finished);
        Assert.Equal(members.Select(m => (m.Node, m.Member, string.Join(',', m.PeerUrls))), journal.HostedMembers().Select(m => (m.Node, m.Member, string.Join(',', m.PeerUrls))));
    }
}
