using Pitcrew.Errors;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

/// <summary>apply's entry point before it reaches anything, and the way back it reports after a failure.</summary>
public sealed class ApplyEntryPointTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequestWithAProblem_IsAUsageError_BeforeAnyPortIsOpened()
    {
        var request = new ApplyRequest(new UpgradeRequest(null), RunbookLoader.Resolve("apt"), "/state") { BatchSize = 0, Store = "file:///backups" };

        var error = await Assert.ThrowsAsync<PitcrewException>(() => UpgradeApply.RunAsync(request, Untouchable(), new SilentConsole(), Token));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Equal("--batch-size must be at least 1, --canary and --max-unavailable-per-zone at least 0", error.Message);
    }

    [Fact]
    public void WayBack_ForAWorker_SaysResumeOrUncordon()
    {
        var lines = ApplyReporting.WayBack(Request(), Journal(backup: "b-1"), Failure("w-1"), "worker");

        Assert.Equal([
            "node/w-1 is left cordoned; its command output is above.",
            "Fix the cause, then run the same command with --resume: done steps are skipped and the failed one runs again.",
            "To return node/w-1 to service as it is: pitcrew node uncordon w-1",
        ], lines);
    }

    [Fact]
    public void WayBack_ForAControlPlaneWithABackup_NamesTheRestoreWithStoreAndExecutor()
    {
        var lines = ApplyReporting.WayBack(Request(), Journal(backup: "b-1"), Failure("cp-1"), "control-plane");

        Assert.Equal("A control-plane step failed. kubeadm upgrade apply/node can be run again (resume). If the control plane cannot be repaired: reinstall the " +
            "v1.29.0 packages on the control-plane nodes, then restore etcd from the pre-upgrade backup: pitcrew cluster restore --from-backup b-1 " +
            "--store file:///backups --executor sim (docs/restore.md)", lines[^1]);
    }

    [Fact]
    public void WayBack_ForAControlPlaneWithoutABackup_SaysRepairForward()
    {
        var lines = ApplyReporting.WayBack(Request(), Journal(backup: null), Failure("cp-1"), "control-plane");

        Assert.Equal("A control-plane step failed and this run took no pre-upgrade backup (--no-backup): repair forward (kubeadm upgrade apply/node can be run again).", lines[^1]);
    }

    [Fact]
    public void OrderLines_MarkStagesTheJournalHasDone()
    {
        var target = KubeVersion.Parse("v1.30.14");
        var stage = new UpgradeStage(target, StageKind.Canary, 1, ["w-1"]);
        var journal = Journal(backup: null).With(new JournalEntry(UpgradeRunner.NodeDoneId(target, "w-1"), "w-1", StepState.Done, DateTimeOffset.UnixEpoch));

        var lines = ApplyReporting.OrderLines(journal, [stage], new Dictionary<string, Runbook>(), RunbookLoader.Resolve("apt")).ToList();

        Assert.Equal("upgrade v1.29.0 -> v1.30.14 along v1.30.14 (run run-1), in this order:", lines[0]);
        Assert.Equal($"  {stage.Describe()}  (done)", lines[1]);
    }

    private static ApplyRequest Request() => new(new UpgradeRequest(null), RunbookLoader.Resolve("apt"), "/state") { Store = "file:///backups", Executor = "sim" };

    private static UpgradeJournal Journal(string? backup) => new("run-1", "v1.29.0", "v1.30.14", ["v1.30.14"], string.Empty, backup, false, DateTimeOffset.UnixEpoch, []);

    private static StepFailure Failure(string node) => new(node, "upgrade", "apt-get install", "exit 1", string.Empty);

    private static ApplyPorts Untouchable() => new(
        () => throw new InvalidOperationException("the cluster was reached"),
        _ => throw new InvalidOperationException("kubectl was run"),
        (_, _) => throw new InvalidOperationException("etcd was resolved"),
        () => throw new InvalidOperationException("the store was opened"),
        () => throw new InvalidOperationException("the key was read"),
        _ => throw new InvalidOperationException("an executor was made"),
        TimeProvider.System);

    private sealed class SilentConsole : IApplyConsole, IUpgradeProgress
    {
        public IUpgradeProgress Progress => this;

        public void Say(string line) => throw new InvalidOperationException($"said: {line}");

        public void Preflight(PreflightReport report) => throw new InvalidOperationException("preflight shown");

        public bool Confirm(UpgradeJournal journal) => false;

        public Task<ApplyOutcome> WatchAsync(IReadOnlyList<string> nodes, Func<IUpgradeProgress, Task<ApplyOutcome>> run) => run(this);

        public void Step(string node, string step, StepState state, string detail)
        {
        }

        public void Output(string node, string line)
        {
        }

        public void Line(string text) => throw new InvalidOperationException($"line: {text}");
    }
}
