using Pitcrew.Executors;
using Pitcrew.Nodes;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// Performs the stages of an upgrade through a node executor and the API: per node the runbook's steps (commands on
/// the node; drain, uncordon and wait-ready through the drain engine), then the health gates; the canaries then a
/// bake; workers of a batch at once. Every step is journaled as started, done or failed before and after it runs; a
/// step the journal has done is skipped, a step left unconfirmed by a crash is run again only when repeatable (or
/// named in Redo). The first failure stops the run after the nodes already under way finish, leaving the failed
/// node cordoned.
/// </summary>
internal sealed class UpgradeRunner(
    INodeExecutor executor,
    INodeApi nodes,
    IGateApi gates,
    TimeProvider time,
    IUpgradeProgress progress,
    Func<UpgradeJournal, CancellationToken, Task> save) : IDisposable
{
    private readonly List<(KubeVersion Target, string Node)> _deferred = [];
    private readonly HashSet<string> _revisiting = new(StringComparer.Ordinal);
    private readonly GateWatch _gates = new(gates, time, progress);
    private RunJournal _run = null!;

    public async Task<ApplyOutcome> RunAsync(IReadOnlyList<UpgradeStage> stages, UpgradeJournal journal, ApplyOptions options, CancellationToken cancellationToken)
    {
        _run?.Dispose();
        _run = new RunJournal(journal, time, progress, save);
        var baseline = await gates.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false);
        if (baseline.CrashLooping.Count > 0)
        {
            progress.Line($"baseline: already crash-looping before the upgrade (not held against it): {string.Join(", ", baseline.CrashLooping.Order(StringComparer.Ordinal))}");
        }

        foreach (var skew in LiveSkew.Check(baseline.Versions))
        {
            progress.Line($"baseline: the skew policy is already broken (not held against this run): {skew.Subject}: {skew.Reason}");
        }

        for (var index = 0; index < stages.Count; index++)
        {
            var stage = stages[index];
            if (options.Window is { } window && window.OpenUntil(time.GetUtcNow()) is null && !StageDone(stage))
            {
                var next = window.NextOpening(time.GetUtcNow());
                progress.Line($"the maintenance window \"{window}\" is closed; stopping before {stage.Describe()}; next opening {next:yyyy-MM-dd HH:mm} UTC");
                return new ApplyOutcome(ApplyEnd.WindowClosed, null, _run.Current, next);
            }

            var failure = await RunStageAsync(stage, baseline, options, cancellationToken).ConfigureAwait(false);
            if (failure is null && stage.Kind == StageKind.Batch
                && (index + 1 == stages.Count || stages[index + 1].Kind != StageKind.Batch || stages[index + 1].Target != stage.Target))
            {
                failure = await RevisitAsync(stage.Target, baseline, options, cancellationToken).ConfigureAwait(false);
            }

            if (failure is not null)
            {
                return new ApplyOutcome(ApplyEnd.Failed, failure, _run.Current, null);
            }

            var lastCanary = stage.Kind == StageKind.Canary && (index + 1 == stages.Count || stages[index + 1].Kind != StageKind.Canary);
            if (lastCanary && options.Bake > TimeSpan.Zero)
            {
                failure = await _gates.BakeAsync(_run, stage.Target, [.. stages.Where(s => s.Target == stage.Target && s.Kind == StageKind.Canary).SelectMany(s => s.Nodes)],
                    baseline, options, cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    return new ApplyOutcome(ApplyEnd.Failed, failure, _run.Current, null);
                }
            }
        }

        await _run.FinishAsync(cancellationToken).ConfigureAwait(false);
        return new ApplyOutcome(ApplyEnd.Finished, null, _run.Current, null);
    }

    public void Dispose() => _run?.Dispose();

    public static string NodeDoneId(KubeVersion target, string node) => $"{target}/{node}/done";

    /// <summary>The journal id that says a stage's part is done on a node: its control-plane components, or the whole node.</summary>
    public static string PartDoneId(UpgradeStage stage, string node) =>
        stage.Part == StagePart.Components ? $"{stage.Target}/{node}/control-plane-done" : NodeDoneId(stage.Target, node);

    /// <summary>Whether a journal id is one of the marks <see cref="PartDoneId"/> makes rather than a runbook step.</summary>
    public static bool IsPartDoneId(string id) => id.EndsWith("/done", StringComparison.Ordinal) || id.EndsWith("/control-plane-done", StringComparison.Ordinal);

    public static string StepId(KubeVersion target, string node, string step) => $"{target}/{node}/{step}";

    public static string BakeId(KubeVersion target) => $"{target}/bake";

    private bool StageDone(UpgradeStage stage) => stage.Nodes.All(n => PartDone(stage, n));

    /// <summary>Whether the journal has the part done on the node (a node done whole has its components done too).</summary>
    private bool PartDone(UpgradeStage stage, string node) => _run.Current.IsDone(PartDoneId(stage, node)) || _run.Current.IsDone(NodeDoneId(stage.Target, node));

    /// <summary>Runs every node of the stage at once; returns the first failure after all have ended.</summary>
    private async Task<StepFailure?> RunStageAsync(UpgradeStage stage, GateFacts baseline, ApplyOptions options, CancellationToken cancellationToken)
    {
        if (StageDone(stage))
        {
            progress.Line($"skip  {stage.Describe()} (done before)");
            return null;
        }

        progress.Line($"stage {stage.Describe()}");
        var results = await Task.WhenAll(stage.Nodes.Select(node => RunNodeAsync(stage, node, baseline, options, cancellationToken))).ConfigureAwait(false);
        return results.FirstOrDefault(r => r is not null);
    }

    private async Task<StepFailure?> RunNodeAsync(UpgradeStage stage, string node, GateFacts baseline, ApplyOptions options, CancellationToken cancellationToken)
    {
        var doneId = PartDoneId(stage, node);
        if (PartDone(stage, node))
        {
            return null;
        }

        var runbook = options.RunbookOf(node);
        var allDeclared = runbook.Roles[stage.Role];
        var steps = UpgradeScheduler.StepsOf(RunbookRenderer.Render(runbook, stage.Role, stage.Target, node), allDeclared, stage.Part);
        var declared = UpgradeScheduler.StepsOf(allDeclared, allDeclared, stage.Part);
        var started = time.GetTimestamp();
        if (!steps.Any(s => _run.Current.StateOf(StepId(stage.Target, node, s.Name)) is not null) && await AlreadyUpgradedAsync(stage, node, baseline, cancellationToken).ConfigureAwait(false))
        {
            await _run.RecordAsync(doneId, node, StepState.Done, 0, "already at the target before this run", cancellationToken).ConfigureAwait(false);
            return null;
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var id = StepId(stage.Target, node, step.Name);
            var state = _run.Current.StateOf(id);
            if (state == StepState.Done)
            {
                progress.Step(node, step.Name, StepState.Done, "done before");
                continue;
            }

            if (state is StepState.Started && !declared[i].Repeatable && !options.Redo.Contains(step.Name) && !options.Redo.Contains(id))
            {
                var why = $"step {id} began in an earlier run and was never confirmed done; its runbook does not mark it repeatable, so it is not run again blindly. " +
                    $"Check node/{node} ({step.Display}), then resume with --redo {step.Name} to run it again";
                await _run.RecordAsync(id, node, StepState.Failed, 0, why, cancellationToken).ConfigureAwait(false);
                return await FailAsync(node, step, why, string.Empty, cancellationToken).ConfigureAwait(false);
            }

            if (state is StepState.Started or StepState.Failed)
            {
                progress.Line(_revisiting.Contains(node) && state == StepState.Failed
                    ? $"      [{node}] {step.Name} was deferred; running it again"
                    : $"      [{node}] {step.Name} was left {(state == StepState.Started ? "unconfirmed" : "failed")} by an earlier run; running it again");
            }

            await _run.RecordAsync(id, node, StepState.Started, null, step.Display, cancellationToken).ConfigureAwait(false);
            var stepStarted = time.GetTimestamp();
            var (ok, reason, output) = await PerformAsync(node, step, stage.Target, baseline, options, cancellationToken).ConfigureAwait(false);
            var seconds = time.GetElapsedTime(stepStarted).TotalSeconds;
            if (!ok)
            {
                var defer = step.Action == StepAction.Drain && stage.Kind == StageKind.Batch && options.RevisitBlocked && !_revisiting.Contains(node);
                var note = defer ? $"; deferred: back in service until it is revisited after the other workers of {stage.Target}" : string.Empty;
                await _run.RecordAsync(id, node, StepState.Failed, seconds, reason + note + (output.Length > 0 ? "\n" + output : string.Empty), cancellationToken).ConfigureAwait(false);
                if (!defer)
                {
                    return await FailAsync(node, step, reason, output, cancellationToken).ConfigureAwait(false);
                }

                await UncordonAsync(node, cancellationToken).ConfigureAwait(false);
                lock (_deferred)
                {
                    _deferred.Add((stage.Target, node));
                }

                progress.Line($"defer {stage.Target}: worker {node} ({reason}); uncordoned, revisited after the other workers");
                return null;
            }

            await _run.RecordAsync(id, node, StepState.Done, seconds, null, cancellationToken).ConfigureAwait(false);
        }

        var gate = await _gates.NodeAsync(node, stage, baseline, options, cancellationToken).ConfigureAwait(false);
        if (gate is not null)
        {
            var id = StepId(stage.Target, node, "health-gates");
            await _run.RecordAsync(id, node, StepState.Failed, null, gate, cancellationToken).ConfigureAwait(false);
            return await FailAsync(node, new RenderedStep("health-gates", null, StepAction.WaitReady), gate, string.Empty, cancellationToken).ConfigureAwait(false);
        }

        if (stage.Part != StagePart.Components)
        {
            // A node cordoned by an earlier failure of this upgrade goes back into service once it passed its gates.
            await UncordonAsync(node, cancellationToken).ConfigureAwait(false);
        }

        await _run.RecordAsync(doneId, node, StepState.Done, time.GetElapsedTime(started).TotalSeconds, null, cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// The workers of the minor whose drains were deferred, one at a time, each from its first unfinished step (the
    /// drain); a drain that fails again stops the run like any failure.
    /// </summary>
    private async Task<StepFailure?> RevisitAsync(KubeVersion target, GateFacts baseline, ApplyOptions options, CancellationToken cancellationToken)
    {
        List<string> deferred;
        lock (_deferred)
        {
            deferred = [.. _deferred.Where(d => d.Target == target).Select(d => d.Node)];
            _deferred.RemoveAll(d => d.Target == target);
        }

        foreach (var node in deferred)
        {
            _revisiting.Add(node);
            progress.Line($"stage {target}: revisit worker {node} (its drain was blocked)");
            if (await RunNodeAsync(new UpgradeStage(target, StageKind.Batch, 0, [node]), node, baseline, options, cancellationToken).ConfigureAwait(false) is { } failure)
            {
                return failure;
            }
        }

        return null;
    }

    /// <summary>Uncordons the node unless it was cordoned before the upgrade began (then it stays as the operator left it).</summary>
    private async Task UncordonAsync(string node, CancellationToken cancellationToken)
    {
        if (_run.Current.CordonedBefore?.Contains(node, StringComparer.Ordinal) == true)
        {
            progress.Output(node, $"node/{node} left cordoned: it was cordoned before the upgrade began");
            return;
        }

        var current = await nodes.GetNodeAsync(node, cancellationToken).ConfigureAwait(false);
        if (current.Unschedulable)
        {
            await new Cordoner(nodes, time, new NodeLineReporter(node, progress)).CordonAsync(current, cordon: false, DryRun.None, onlyOurs: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A node a former run (without journal) or kubeadm itself already brought to the target.</summary>
    private async Task<bool> AlreadyUpgradedAsync(UpgradeStage stage, string node, GateFacts baseline, CancellationToken cancellationToken)
    {
        var facts = await gates.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false);
        if (stage.Kind == StageKind.FirstControlPlane && facts.Versions.ApiServer < stage.Target)
        {
            return false;
        }

        var node0 = facts.Nodes.FirstOrDefault(n => n.Name == node);
        return node0 is { Unschedulable: false } && GateWatch.Judge(facts, node, stage).Count == 0 && baseline.Nodes.Any(n => n.Name == node);
    }

    private async Task<(bool Ok, string Reason, string Output)> PerformAsync(
        string node, RenderedStep step, KubeVersion target, GateFacts baseline, ApplyOptions options, CancellationToken cancellationToken)
    {
        switch (step.Action)
        {
            case StepAction.None:
                var result = await executor.RunAsync(node, step.Command!, line => progress.Output(node, line.Text), cancellationToken).ConfigureAwait(false);
                return result.Succeeded
                    ? (true, string.Empty, string.Empty)
                    : (false, $"exit {result.ExitCode}{(result.TimedOut ? $" (timed out after {step.Command!.Timeout.TotalMinutes:0.#} min)" : string.Empty)}" +
                        (result.SudoHint() is { } hint ? "; " + hint : string.Empty), result.Tail(20));
            case StepAction.Drain:
                var facts = await nodes.GetNodeAsync(node, cancellationToken).ConfigureAwait(false);
                var reporter = new NodeLineReporter(node, progress);
                var drained = await new DrainRunner(nodes, time, reporter).RunAsync([facts], options.Drain, cancellationToken).ConfigureAwait(false);
                // What held the drain (the budgets it named as it retried), then its errors.
                return drained.Succeeded
                    ? (true, string.Empty, string.Empty)
                    : (false, "the drain did not finish", string.Join('\n', reporter.Blocked().Concat(drained.Nodes.SelectMany(n => n.Errors)).TakeLast(20)));
            case StepAction.Uncordon:
                await UncordonAsync(node, cancellationToken).ConfigureAwait(false);
                return (true, string.Empty, string.Empty);
            default:
                var waited = await _gates.WaitAsync(options, facts => HealthGates.Node(facts, node, NodeRole.Worker, target), cancellationToken).ConfigureAwait(false);
                return waited is null ? (true, string.Empty, string.Empty) : (false, waited, string.Empty);
        }
    }

    /// <summary>Leaves the failed node cordoned (no new pods on a half-upgraded node) and describes the failure.</summary>
    private async Task<StepFailure> FailAsync(string node, RenderedStep step, string reason, string output, CancellationToken cancellationToken)
    {
        try
        {
            var current = await nodes.GetNodeAsync(node, cancellationToken).ConfigureAwait(false);
            await new Cordoner(nodes, time, new NodeLineReporter(node, progress)).CordonAsync(current, cordon: true, DryRun.None, onlyOurs: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PitcrewException or HttpRequestException)
        {
            progress.Line($"      [{node}] could not cordon the node after the failure: {e.Message}");
        }

        return new StepFailure(node, step.Name, step.Display, reason, output);
    }
}
