using System.Collections.Concurrent;
using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>
/// Drains nodes as kubectl drain does (cordon all first, then each node: filter, evict or delete, wait until gone), with
/// blocked evictions named once per change, retries woken by the budget watch, and optional node concurrency.
/// </summary>
internal sealed class DrainRunner(INodeApi api, TimeProvider time, IDrainReporter report)
{
    public async Task<DrainResult> RunAsync(IReadOnlyList<NodeFacts> nodes, DrainOptions options, CancellationToken cancellationToken)
    {
        var cordoner = new Cordoner(api, time, report);
        foreach (var node in nodes)
        {
            await cordoner.CordonAsync(node, cordon: true, options.DryRun, onlyOurs: false, cancellationToken).ConfigureAwait(false);
        }

        await using var budgets = new BudgetTracker(api, time);
        if (options.DryRun == DryRun.None && !options.DisableEviction)
        {
            await budgets.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        var results = await DrainAllAsync(nodes, options, budgets, cancellationToken).ConfigureAwait(false);
        var failed = results.Where(r => !r.Drained).ToList();
        if (failed.Count > 0)
        {
            report.Err("There are pending nodes to be drained:");
            foreach (var node in failed)
            {
                report.Err(" " + node.Node);
            }

            foreach (var error in failed.SelectMany(n => n.Errors))
            {
                report.Err(error);
            }
        }

        return new DrainResult(results);
    }

    /// <summary>Runs node drains at most MaxConcurrentNodes at once and MaxPerZone per zone, in the order given.</summary>
    private async Task<List<NodeDrainResult>> DrainAllAsync(IReadOnlyList<NodeFacts> nodes, DrainOptions options, BudgetTracker budgets, CancellationToken cancellationToken)
    {
        var results = new NodeDrainResult[nodes.Count];
        var pending = Enumerable.Range(0, nodes.Count).ToList();
        var running = new Dictionary<Task, int>();
        while (pending.Count > 0 || running.Count > 0)
        {
            foreach (var index in pending.ToList())
            {
                if (running.Count >= Math.Max(1, options.MaxConcurrentNodes))
                {
                    break;
                }

                var zone = nodes[index].Zone;
                if (options.MaxPerZone > 0 && running.Values.Count(i => nodes[i].Zone == zone) >= options.MaxPerZone)
                {
                    continue;
                }

                pending.Remove(index);
                var node = nodes[index];
                running[Task.Run(async () => results[index] = await new NodeDrain(api, time, report, node, options, budgets).RunAsync(cancellationToken).ConfigureAwait(false), cancellationToken)] = index;
            }

            var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            running.Remove(done);
            await done.ConfigureAwait(false);
        }

        return [.. results];
    }
}

/// <summary>The drain of one node: list, plan, evict, wait, report.</summary>
internal sealed class NodeDrain(INodeApi api, TimeProvider time, IDrainReporter report, NodeFacts node, DrainOptions options, BudgetTracker budgets)
{
    private readonly ConcurrentQueue<string> _evicted = new();
    private readonly ConcurrentDictionary<string, string> _lastBlocked = new();
    private readonly long _started = time.GetTimestamp();
    private int _total;

    public async Task<NodeDrainResult> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<string> errors;
        NodeDrainPlan? plan = null;
        try
        {
            (plan, var snapshot) = await PlanAsync(cancellationToken).ConfigureAwait(false);
            // As kubectl: warnings are printed only when nothing blocks the node.
            if (plan.CanProceed && plan.Warnings is { } warnings)
            {
                report.Err("Warning: " + warnings);
            }

            errors = plan.CanProceed ? await EvictAllAsync(plan, snapshot, cancellationToken).ConfigureAwait(false) : plan.Errors;
        }
        catch (Errors.PitcrewException e)
        {
            errors = [e.Message];
        }

        var skipped = plan?.Decisions.Where(d => d.Action == PodAction.Skip).Select(d => d.Pod.Key).ToList() ?? [];
        if (errors.Count == 0)
        {
            report.Out($"node/{node.Name} drained{Cordoner.Suffix(options.DryRun)}");
            return new NodeDrainResult(node.Name, true, null, [], [.. _evicted], skipped, [], time.GetElapsedTime(started).TotalSeconds);
        }

        var error = Aggregate(errors);

        var left = await PendingAsync(cancellationToken).ConfigureAwait(false);
        if (plan is { CanProceed: true })
        {
            report.Err($"There are pending pods in node \"{node.Name}\" when an error occurred: {error}");
            foreach (var pod in left)
            {
                report.Err("pod/" + pod.Name);
            }
        }

        report.Err($"error: unable to drain node \"{node.Name}\" due to error: {error}, continuing command...");
        return new NodeDrainResult(node.Name, false, error, errors, [.. _evicted], skipped, [.. left.Select(p => p.Key)], time.GetElapsedTime(started).TotalSeconds);
    }

    private async Task<(NodeDrainPlan Plan, PodSnapshot Snapshot)> PlanAsync(CancellationToken cancellationToken)
    {
        var snapshot = await api.ListPodsAsync(node.Name, options.PodSelector, options.ChunkSize, cancellationToken).ConfigureAwait(false);
        var existing = new HashSet<string>(StringComparer.Ordinal);
        var owners = snapshot.Pods.Where(p => !p.IsTerminal && p.Controller is { Kind: "DaemonSet" })
            .Select(p => (p.Namespace, p.Controller!.Name)).Distinct();
        foreach (var (ns, name) in owners)
        {
            if (await api.DaemonSetExistsAsync(ns, name, cancellationToken).ConfigureAwait(false))
            {
                existing.Add($"{ns}/{name}");
            }
        }

        return (DrainPlanner.Plan(node, snapshot.Pods, existing, options, time.GetUtcNow()), snapshot);
    }

    /// <summary>Pods the drain would still remove, as kubectl lists them after a failure.</summary>
    private async Task<IReadOnlyList<PodFacts>> PendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (plan, _) = await PlanAsync(cancellationToken).ConfigureAwait(false);
            return [.. plan.ToEvict];
        }
        catch (Errors.PitcrewException)
        {
            return [];
        }
    }

    /// <summary>Evicts (or deletes) the plan's pods and waits for them to go; the errors, none when all went.</summary>
    private async Task<IReadOnlyList<string>> EvictAllAsync(NodeDrainPlan plan, PodSnapshot snapshot, CancellationToken cancellationToken)
    {
        var pods = plan.ToEvict.ToList();
        _total = pods.Count;
        if (pods.Count == 0)
        {
            return [];
        }

        if (options.DryRun == DryRun.Client)
        {
            foreach (var pod in pods)
            {
                report.Out($"evicting pod {pod.Key} (dry run)");
            }

            return [];
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout > TimeSpan.Zero)
        {
            deadline.CancelAfter(options.Timeout);
        }

        await using var tracker = new PodTracker(api, node.Name, time);
        tracker.Start(snapshot);
        var waves = options.EvictionOrder == EvictionOrder.Priority
            ? pods.GroupBy(p => p.Priority).OrderBy(g => g.Key).Select(g => g.ToList()).ToList()
            : [pods];
        var errors = new List<string>();
        foreach (var wave in waves)
        {
            var outcomes = await Task.WhenAll(wave.Select(pod => EvictAndWaitAsync(pod, tracker, deadline.Token, cancellationToken))).ConfigureAwait(false);
            errors.AddRange(outcomes.OfType<string>());
            if (errors.Count > 0)
            {
                break;
            }
        }

        return errors;
    }

    private async Task<string?> EvictAndWaitAsync(PodFacts pod, PodTracker tracker, CancellationToken deadline, CancellationToken cancellationToken)
    {
        var failure = await (options.DisableEviction ? DeleteAsync(pod, deadline) : EvictAsync(pod, deadline)).ConfigureAwait(false);
        if (failure is not null || options.DryRun == DryRun.Server)
        {
            return failure;
        }

        try
        {
            var gone = await tracker.WaitGoneAsync(pod, SkipWaiting, deadline).ConfigureAwait(false);
            if (!gone)
            {
                report.Err($"pod \"{pod.Name}\" has DeletionTimestamp older than {options.SkipWaitForDeleteTimeout.TotalSeconds:0} seconds, skipping");
                return null;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"error when waiting for pod \"{pod.Name}\" in namespace \"{pod.Namespace}\" to terminate: global timeout reached: {Pitcrew.GoDuration.Format(options.Timeout)}";
        }

        _evicted.Enqueue(pod.Key);
        _lastBlocked.TryRemove(pod.Key, out _);
        report.Out($"pod/{pod.Name} {(options.DisableEviction ? "deleted" : "evicted")}");
        Progress();
        return null;
    }

    private bool SkipWaiting(PodFacts current) => DrainPlanner.ShouldSkipDeleting(current, options.SkipWaitForDeleteTimeout, time.GetUtcNow());

    private async Task<string?> EvictAsync(PodFacts pod, CancellationToken deadline)
    {
        report.Out($"evicting pod {pod.Key}{Cordoner.Suffix(options.DryRun)}");
        var backoff = new RetryBackoff(options.EvictRetryDelay);
        var lastSent = time.GetTimestamp();
        while (true)
        {
            EvictionResult result;
            try
            {
                deadline.ThrowIfCancellationRequested();

                // While the budget's last status has no disruption left for this pod, wait for the next status rather
                // than ask and be refused; past the retry delay ask anyway, in case the watch has fallen behind.
                var waited = time.GetElapsedTime(lastSent);
                if (waited < options.EvictRetryDelay && !budgets.TryClaim(pod))
                {
                    ReportBlocked(pod, null);
                    await budgets.WaitForChangeAsync(options.EvictRetryDelay - waited, deadline).ConfigureAwait(false);
                    continue;
                }

                lastSent = time.GetTimestamp();
                result = await api.EvictAsync(pod, options.GracePeriodSeconds, options.DryRun == DryRun.Server, deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return TimeoutError(pod);
            }

            switch (result.Status)
            {
                case EvictionStatus.Accepted or EvictionStatus.Gone:
                    return null;
                case EvictionStatus.TooManyRequests or EvictionStatus.NamespaceTerminating:
                    ReportBlocked(pod, result);
                    try
                    {
                        await budgets.WaitForChangeAsync(backoff.Next(result.RetryAfter), deadline).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                    {
                        return TimeoutError(pod);
                    }

                    break;
                default:
                    var covering = budgets.Covering(pod);
                    if (covering.Count > 1)
                    {
                        report.Err($"pod {pod.Key}: covered by {covering.Count} PodDisruptionBudgets ({string.Join(", ", covering.Select(b => b.Key))}); eviction cannot choose; remove the overlap, or pass --disable-eviction (deletes the pods, bypassing every budget)");
                    }

                    return $"error when evicting pods/\"{pod.Name}\" -n \"{pod.Namespace}\": {result.Message}";
            }
        }
    }

    private async Task<string?> DeleteAsync(PodFacts pod, CancellationToken deadline)
    {
        try
        {
            var result = await api.DeleteAsync(pod, options.GracePeriodSeconds, options.DryRun == DryRun.Server, deadline).ConfigureAwait(false);
            if (options.DryRun == DryRun.Server)
            {
                report.Out($"deleting pod {pod.Key} (server dry run)");
            }

            return result.Status is EvictionStatus.Accepted or EvictionStatus.Gone ? null : $"error when deleting pod \"{pod.Name}\" in namespace \"{pod.Namespace}\": {result.Message}";
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return TimeoutError(pod);
        }
    }

    /// <summary>
    /// Names the budget behind a hold or refusal and why it holds (counts that look fine say nothing alone), once per
    /// change of budget, reason or counts for each pod.
    /// </summary>
    private void ReportBlocked(PodFacts pod, EvictionResult? result)
    {
        var block = result?.Status == EvictionStatus.NamespaceTerminating ? null : budgets.Block(pod, refusedByServer: result is not null);
        var line = block is not null
            ? $"pod {pod.Key}: blocked by PodDisruptionBudget {block.Budget.Key}: {block.Why} ({block.Counts}{Workload(pod)}); will retry"
            : $"pod {pod.Key}: eviction refused: {string.Join("; ", result?.Causes is { Count: > 0 } causes ? causes : [result?.Message ?? "too many requests"])}; will retry";
        var key = block?.Key ?? line;
        if (_lastBlocked.TryGetValue(pod.Key, out var last) && last == key)
        {
            return;
        }

        _lastBlocked[pod.Key] = key;
        report.Err(line);
        Progress();
    }

    private void Progress()
    {
        var waiting = _lastBlocked.IsEmpty ? null : $"{_lastBlocked.Count} waiting on PodDisruptionBudgets";
        report.Progress(new DrainProgress(node.Name, _evicted.Count, _total, waiting, time.GetElapsedTime(_started)));
    }

    /// <summary>The workload behind a pod: a ReplicaSet's Deployment by its name, otherwise the controller itself.</summary>
    private static string Workload(PodFacts pod)
    {
        if (pod.Controller is not { } owner)
        {
            return string.Empty;
        }

        if (owner.Kind == "ReplicaSet" && owner.Name.LastIndexOf('-') is > 0 and var dash)
        {
            return $", workload Deployment {pod.Namespace}/{owner.Name[..dash]}";
        }

        return $", workload {owner.Kind} {pod.Namespace}/{owner.Name}";
    }

    private string TimeoutError(PodFacts pod) =>
        $"error when evicting pods/\"{pod.Name}\" -n \"{pod.Namespace}\": global timeout reached: {Pitcrew.GoDuration.Format(options.Timeout)}";

    /// <summary>kubectl's aggregate: one error as it is, several in brackets.</summary>
    private static string Aggregate(IReadOnlyList<string> errors) => errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]";
}
