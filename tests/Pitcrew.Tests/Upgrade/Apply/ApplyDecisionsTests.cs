using Pitcrew.Errors;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

/// <summary>apply's other decisions before it changes anything: the request's own problems, the window, the backup line and the backup step.</summary>
public sealed class ApplyDecisionsTests
{
    private static readonly DateTimeOffset Saturday = new(2026, 12, 5, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public void NoStore_IsAUsageProblem_NamingStoreAndNoBackup()
    {
        Assert.Equal("give --store URL for the pre-upgrade etcd backup (with etcd's --endpoints and certificates), or --no-backup to upgrade without a way back",
            ApplyDecisions.Problem(Request() with { Store = null }));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void NoStore_WithNoBackupOrPlanOnly_IsFine(bool noBackup, bool planOnly)
    {
        Assert.Null(ApplyDecisions.Problem(Request() with { Store = null, NoBackup = noBackup, PlanOnly = planOnly }));
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(1, -1, 0)]
    [InlineData(1, 1, -1)]
    public void PacingOutOfRange_IsAUsageProblem(int batch, int canary, int perZone)
    {
        Assert.Equal("--batch-size must be at least 1, --canary and --max-unavailable-per-zone at least 0",
            ApplyDecisions.Problem(Request() with { BatchSize = batch, Canary = canary, MaxPerZone = perZone }));
    }

    [Fact]
    public void DefaultRequest_WithAStore_HasNoProblem()
    {
        Assert.Null(ApplyDecisions.Problem(Request()));
    }

    [Fact]
    public void ClosedWindow_StopsTheRun_SayingWhenItOpens()
    {
        var window = MaintenanceWindow.Parse("Sat 01:00-05:00 UTC");

        Assert.Equal("outside the maintenance window \"Sat 01:00-05:00 UTC\": it next opens 2026-12-12 01:00 UTC; nothing was changed",
            ApplyDecisions.OutsideWindow(window, Saturday.AddHours(4)));
    }

    [Fact]
    public void OpenWindowOrNone_LetsTheRunGoOn()
    {
        Assert.Null(ApplyDecisions.OutsideWindow(MaintenanceWindow.Parse("Sat 01:00-05:00 UTC"), Saturday));
        Assert.Null(ApplyDecisions.OutsideWindow(null, Saturday));
    }

    [Fact]
    public void BackupCheck_WithNoBackup_Warns_AndNamesTheWayBack()
    {
        var check = ApplyDecisions.BackupCheck(Request() with { NoBackup = true }, Safety(null));

        Assert.Equal(new PreflightCheck(SafetyChecks.BackupName, PreflightVerdict.Warn, "--no-backup: the run takes no pre-upgrade snapshot",
            "drop --no-backup and give --store URL to have a way back"), check);
    }

    [Fact]
    public void BackupCheck_WhenEtcdIsNotKnown_Fails_NamingTheStoreAndTheProblem()
    {
        var check = ApplyDecisions.BackupCheck(Request(), Safety(new ClusterEtcdSource(null, "flags", "no etcd pods found")));

        Assert.Equal(PreflightVerdict.Fail, check.Verdict);
        Assert.Equal("the run would take a pre-upgrade backup into file:///backups, but no etcd pods found", check.Evidence);
        Assert.Equal($"{SafetyChecks.EtcdRemedy}, or --no-backup to go without a way back", check.Action);
    }

    [Fact]
    public void BackupCheck_WithoutAJudgedEtcd_Passes()
    {
        var check = ApplyDecisions.BackupCheck(Request(), Safety(null));

        Assert.Equal(new PreflightCheck(SafetyChecks.BackupName, PreflightVerdict.Pass, "the run takes a pre-upgrade backup into file:///backups before touching any node"), check);
    }

    [Fact]
    public void Backup_IsTakenOnce_SkippedWithNoBackup_ElseTaken()
    {
        var fresh = new UpgradeJournal("run-1", "v1.29.0", "v1.30.14", ["v1.30.14"], string.Empty, null, false, Saturday, []);
        var done = fresh.With(new JournalEntry(ApplyDecisions.BackupStep, null, StepState.Done, Saturday));
        var failed = fresh.With(new JournalEntry(ApplyDecisions.BackupStep, null, StepState.Failed, Saturday));

        Assert.Equal(BackupChoice.Take, ApplyDecisions.Backup(Request(), fresh));
        Assert.Equal(BackupChoice.Take, ApplyDecisions.Backup(Request(), failed));
        Assert.Equal(BackupChoice.Skip, ApplyDecisions.Backup(Request() with { NoBackup = true }, fresh));
        Assert.Equal(BackupChoice.Taken, ApplyDecisions.Backup(Request() with { NoBackup = true }, done));
    }

    [Fact]
    public void Describe_RecordsThePacingAndExecutor_AsTheJournalKeepsThem()
    {
        Assert.Equal("batch-size=1 canary=1 bake=00:05:00 max-unavailable-per-zone=0 executor=ssh", ApplyDecisions.Describe(Request()));
        Assert.Equal("batch-size=3 canary=0 bake=00:00:00 max-unavailable-per-zone=1 executor=sim revisit-blocked",
            ApplyDecisions.Describe(Request() with { BatchSize = 3, Canary = 0, Bake = TimeSpan.Zero, MaxPerZone = 1, Executor = "sim", RevisitBlocked = true }));
    }

    [Fact]
    public void RunbookGroup_SplitsAtTheLastEquals_AndMatchesItsSelector()
    {
        var group = RunbookGroup.Parse("os-family=rhel=dnf");

        Assert.Equal("os-family=rhel", group.Selector);
        Assert.Equal("kubeadm-dnf", group.Runbook.Name);
        Assert.True(group.Matches(new Dictionary<string, string> { ["os-family"] = "rhel" }));
        Assert.False(group.Matches(new Dictionary<string, string> { ["os-family"] = "debian" }));
    }

    [Theory]
    [InlineData("dnf")]
    [InlineData("=dnf")]
    [InlineData("os-family=rhel=")]
    public void RunbookGroup_WithoutSelectorOrRunbook_IsAUsageError(string text)
    {
        var error = Assert.Throws<PitcrewException>(() => RunbookGroup.Parse(text));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal($"--runbook-for \"{text}\": want LABEL-SELECTOR=RUNBOOK, e.g. os-family=rhel=dnf", error.Message);
    }

    private static ApplyRequest Request() => new(new UpgradeRequest(null), RunbookLoader.Resolve("apt"), "/state") { Store = "file:///backups" };

    private static SafetyFacts Safety(ClusterEtcdSource? etcd) =>
        new(Saturday, null, null, SafetyLimits.MaxBackupAge, new Pitcrew.Doctor.CertificateSurvey([], []), Saturday + SafetyLimits.Window) { EtcdSource = etcd };
}
