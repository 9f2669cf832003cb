using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>apply's texts that are pure functions of the run: the order of nodes it will follow, the report at the end and its way back.</summary>
internal static class ApplyReporting
{
    /// <summary>The path and stages in order (a stage the journal has done says so), then the nodes on another runbook.</summary>
    public static IEnumerable<string> OrderLines(UpgradeJournal journal, IReadOnlyList<UpgradeStage> stages, IReadOnlyDictionary<string, Runbook> nodeRunbooks, Runbook runbook)
    {
        yield return $"upgrade {journal.From} -> {journal.Target} along {string.Join(" -> ", journal.Path)} (run {journal.RunId}), in this order:";
        foreach (var stage in stages)
        {
            var done = stage.Nodes.All(n => journal.IsDone(UpgradeRunner.PartDoneId(stage, n)));
            yield return $"  {stage.Describe()}{(done ? "  (done)" : string.Empty)}";
        }

        foreach (var group in nodeRunbooks.GroupBy(p => p.Value.Source, StringComparer.Ordinal))
        {
            yield return $"  runbook {group.First().Value.Name} ({group.Key}) for {string.Join(", ", group.Select(p => p.Key).Order(StringComparer.Ordinal))}; {runbook.Name} for the others";
        }
    }

    /// <summary>The report of a run: its result, the failure and the way back, and every node the cluster has with its role and timeline.</summary>
    public static UpgradeReport Report(ApplyRequest request, IReadOnlyList<UpgradeStage> stages, ApplyOutcome outcome, GateFacts facts, DateTimeOffset now)
    {
        var journal = outcome.Journal;
        var roles = stages.SelectMany(s => s.Nodes.Select(n => (n, s.Role))).DistinctBy(p => p.n).ToDictionary(p => p.n, p => Runbook.RoleName(p.Role), StringComparer.Ordinal);
        var failure = outcome.Failure is { } f
            ? new FailureReport(f.Node, f.Step, f.Command, f.Reason, f.Output, WayBack(request, journal, f, roles.GetValueOrDefault(f.Node) ?? "worker"))
            : null;
        var result = outcome.End switch
        {
            ApplyEnd.Finished => "upgraded",
            ApplyEnd.WindowClosed => "stopped: the maintenance window closed",
            _ => "failed",
        };
        return new UpgradeReport(journal.RunId, journal.From, journal.Target, journal.Path, result, journal.Backup, journal.Started, now, failure,
            [.. journal.Entries.Where(e => e.Node is null)],
            [.. facts.Nodes.OrderBy(n => roles.TryGetValue(n.Name, out var r) && r != "worker" ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal).Select(n => new NodeReport(
                n.Name, roles.GetValueOrDefault(n.Name) ?? "worker", n.Kubelet?.Text, n.Ready, n.Unschedulable, [.. journal.Entries.Where(e => e.Node == n.Name)]))]);
    }

    /// <summary>What to do after a failure: resume, put a worker back, or for a control plane repair forward or restore the pre-upgrade backup.</summary>
    public static IReadOnlyList<string> WayBack(ApplyRequest request, UpgradeJournal journal, StepFailure failure, string role)
    {
        var lines = new List<string>
        {
            $"node/{failure.Node} is left cordoned; its command output is above.",
            "Fix the cause, then run the same command with --resume: done steps are skipped and the failed one runs again.",
        };
        if (role == "worker")
        {
            lines.Add($"To return node/{failure.Node} to service as it is: pitcrew node uncordon {failure.Node}");
        }
        else if (journal.Backup is { } backup)
        {
            lines.Add($"A control-plane step failed. kubeadm upgrade apply/node can be run again (resume). If the control plane cannot be repaired: reinstall the " +
                $"{journal.From} packages on the control-plane nodes, then restore etcd from the pre-upgrade backup: pitcrew cluster restore --from-backup {backup} " +
                $"--store {request.Store} --executor {request.Executor} (docs/restore.md)");
        }
        else
        {
            lines.Add("A control-plane step failed and this run took no pre-upgrade backup (--no-backup): repair forward (kubeadm upgrade apply/node can be run again).");
        }

        return lines;
    }
}
