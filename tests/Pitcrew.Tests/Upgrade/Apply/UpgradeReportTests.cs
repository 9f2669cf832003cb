using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Tests.Upgrade.Apply;

public sealed class UpgradeReportTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public void StepsDone_CountsRunbookStepsOnly_AndTheMarkdownSaysTheSame()
    {
        // A control plane over one hop: its components, the runner's mark after their gates, its kubelet, the node's mark; a failed try before.
        JournalEntry Done(string step) => new($"v1.30.14/cp-1/{step}", "cp-1", StepState.Done, At, 1);
        var node = new NodeReport("cp-1", "first-control-plane", "v1.30.14", true, false,
        [
            new("v1.30.14/cp-1/kubeadm-apply", "cp-1", StepState.Failed, At), Done("upgrade-kubeadm"), Done("kubeadm-apply"), Done("control-plane-done"),
            Done("drain"), Done("upgrade-kubelet"), Done("restart-kubelet"), Done("uncordon"), Done("done"),
        ]);
        var report = new UpgradeReport("run", "v1.29.15", "v1.30.14", ["v1.30.14"], "upgraded", null, At, At.AddMinutes(5), null, [], [node]);

        Assert.Equal(6, node.StepsDone);
        Assert.Contains("| cp-1 | first-control-plane | v1.30.14 | yes | no | 6 done |", report.ToMarkdown(), StringComparison.Ordinal);
    }
}
