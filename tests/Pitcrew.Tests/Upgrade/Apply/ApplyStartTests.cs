using Pitcrew.Errors;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

/// <summary>What the journal found means for apply: start, start over, resume or refuse, with the texts and exit codes the command prints.</summary>
public sealed class ApplyStartTests
{
    private const string StateDir = "/state/pitcrew";
    private static readonly DateTimeOffset At = new(2026, 12, 5, 1, 0, 0, TimeSpan.Zero);
    private static readonly string Target = UpgradePlanner.ResolveTarget("v1.30", ReleaseTable.Default, KubeVersion.Parse("v1.29.0")).Text;

    [Fact]
    public void NoJournal_Starts()
    {
        var start = ApplyDecisions.Start(Request(), null, ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Start, start.Kind);
        Assert.Equal(ExitCodes.Ok, start.ExitCode);
    }

    [Fact]
    public void FinishedJournal_WithoutResume_StartsANewUpgrade()
    {
        var start = ApplyDecisions.Start(Request(), Journal(finished: true, NodeStep()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Start, start.Kind);
        Assert.Contains("run-1", start.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void UnfinishedJournalThatTouchedANode_WithoutResume_IsRefusedAsBlocked_NamingResumeAndTheWayToStartOver()
    {
        var start = ApplyDecisions.Start(Request(), Journal(finished: false, BackupDone(), NodeStep()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Refuse, start.Kind);
        Assert.Equal(ExitCodes.Blocked, start.ExitCode);
        Assert.Equal($"an unfinished upgrade run-1 to {Target} is journaled (2 steps done)", start.Reason);
        Assert.Equal(
            $"an unfinished upgrade run-1 to {Target} is journaled (2 steps done); add --resume to go on, or move {Path.Combine(StateDir, UpgradeJournal.FileName)} " +
            "and the configmap kube-system/pitcrew-upgrade-journal aside to start over",
            start.Message);
    }

    [Fact]
    public void UnfinishedJournal_WithPlanOnly_StartsAFreshPlanAndLeavesTheJournal()
    {
        var start = ApplyDecisions.Start(Request() with { PlanOnly = true }, Journal(finished: false, NodeStep()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Start, start.Kind);
        Assert.Equal(ExitCodes.Ok, start.ExitCode);
    }

    [Fact]
    public void UnfinishedJournalThatTouchedNoNode_WithoutResume_StartsOver_SayingItsLastStep()
    {
        var failed = new JournalEntry(ApplyDecisions.BackupStep, null, StepState.Failed, At, null, "etcd down");
        var start = ApplyDecisions.Start(Request(), Journal(finished: false, failed), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Restart, start.Kind);
        Assert.Equal("the unfinished upgrade run-1 touched no node (its last step: backup failed)", start.Reason);
    }

    [Fact]
    public void EmptyUnfinishedJournal_WithoutResume_StartsOver_WithoutALastStep()
    {
        var start = ApplyDecisions.Start(Request(), Journal(finished: false), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Restart, start.Kind);
        Assert.Equal("the unfinished upgrade run-1 touched no node", start.Reason);
    }

    [Fact]
    public void Resume_WithoutAJournal_IsAUsageError_NamingBothPlacesLookedIn()
    {
        var start = ApplyDecisions.Start(Request() with { Resume = true }, null, ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Refuse, start.Kind);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
        Assert.Equal($"--resume: no upgrade journal in {StateDir} nor in configmap kube-system/pitcrew-upgrade-journal", start.Message);
    }

    [Fact]
    public void Resume_OfAFinishedUpgrade_IsAUsageError_NothingToResume()
    {
        var start = ApplyDecisions.Start(Request() with { Resume = true }, Journal(finished: true, NodeStep()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Refuse, start.Kind);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
        Assert.Equal($"--resume: the upgrade run-1 to {Target} finished; nothing to resume", start.Message);
    }

    [Fact]
    public void Resume_WithAnotherTarget_IsAUsageError_NamingTheJournalsTarget()
    {
        var start = ApplyDecisions.Start(Request("v1.31") with { Resume = true }, Journal(finished: false, NodeStep()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Refuse, start.Kind);
        Assert.Equal(ExitCodes.Usage, start.ExitCode);
        Assert.Equal($"--resume: the journal upgrades to {Target}, not v1.31", start.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("v1.30")]
    public void Resume_WithoutToOrWithTheSameTarget_GoesOn_CountingTheDoneSteps(string? to)
    {
        var start = ApplyDecisions.Start(Request(to) with { Resume = true }, Journal(finished: false, BackupDone(), NodeStep()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Resume, start.Kind);
        Assert.Equal(ExitCodes.Ok, start.ExitCode);
        Assert.Equal($"resuming upgrade run-1: v1.29.0 -> {Target} (2 steps done)", start.Reason);
    }

    [Fact]
    public void Resume_OfAJournalThatTouchedNoNode_GoesOnRatherThanStartingOver()
    {
        var start = ApplyDecisions.Start(Request() with { Resume = true }, Journal(finished: false, BackupDone()), ReleaseTable.Default);

        Assert.Equal(ApplyStartKind.Resume, start.Kind);
    }

    private static ApplyRequest Request(string? to = null) => new(new UpgradeRequest(to), RunbookLoader.Resolve("apt"), StateDir) { Store = "file:///backups" };

    private static JournalEntry BackupDone() => new(ApplyDecisions.BackupStep, null, StepState.Done, At, 1, "backup-1");

    private static JournalEntry NodeStep() => new(UpgradeRunner.StepId(KubeVersion.Parse(Target), "w-1", "drain"), "w-1", StepState.Done, At, 2);

    private static UpgradeJournal Journal(bool finished, params JournalEntry[] entries) =>
        new("run-1", "v1.29.0", Target, [Target], "batch-size=1", null, finished, At, entries);
}
