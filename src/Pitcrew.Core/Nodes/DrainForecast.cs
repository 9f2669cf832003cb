using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>How sure a predicted problem is to stop the drain.</summary>
internal enum BlockerSeverity
{
    /// <summary>The drain will not go through as asked.</summary>
    Blocks,

    /// <summary>The drain goes through, slower or with a caveat.</summary>
    Slows,
}

/// <summary>One predicted problem, the objects it concerns, and what would clear it.</summary>
internal sealed record Blocker(BlockerSeverity Severity, string Subject, string Message, string Remedy);

/// <summary>Every selected node's plan and the problems predicted across all of them, before anything is touched.</summary>
internal sealed record DrainForecastResult(IReadOnlyList<NodeDrainPlan> Plans, IReadOnlyList<Blocker> Blockers)
{
    public bool CanProceed => Blockers.All(b => b.Severity != BlockerSeverity.Blocks);
}

/// <summary>
/// Predicts what will stop a drain across all selected nodes: filter refusals, budgets that allow no disruption now or
/// ever, pods under several budgets (eviction answers 500), and whether the remaining nodes have room. Pure.
/// </summary>
internal static class DrainForecast
{
    public static DrainForecastResult Predict(
        IReadOnlyList<NodeDrainPlan> plans, IReadOnlyList<BudgetFacts> budgets, IReadOnlyList<NodeFacts> allNodes, IReadOnlyList<PodFacts> allPods, DrainOptions options)
    {
        var blockers = new List<Blocker>();
        foreach (var plan in plans)
        {
            foreach (var group in plan.Blocking.GroupBy(d => (d.Message, d.Hint)))
            {
                blockers.Add(new Blocker(BlockerSeverity.Blocks, $"node/{plan.Node.Name}",
                    $"{CannotDelete(group.Key.Message)}: {string.Join(", ", group.Select(d => d.Pod.Key))}", $"pass {group.Key.Hint}"));
            }
        }

        var evicted = plans.SelectMany(p => p.ToEvict).ToList();
        var held = new Dictionary<string, (string Message, string Hint)>(StringComparer.Ordinal);
        if (!options.DisableEviction)
        {
            AddBudgetBlockers(blockers, evicted, budgets, held);
        }

        AddCapacity(blockers, plans, allNodes, allPods, evicted);

        // One decision per pod: a pod a budget would hold is shown, counted and judged as blocked, with the budget named.
        var decided = plans.Select(p => p with
        {
            Decisions = [.. p.Decisions.Select(d => d.Action == PodAction.Evict && held.TryGetValue(d.Pod.Key, out var why)
                ? d with { Action = PodAction.Block, Message = why.Message, Hint = why.Hint }
                : d)],
        }).ToList();
        return new DrainForecastResult(decided, blockers);
    }

    /// <summary>Our own wording, without the doubled "cannot delete" kubectl prints for unmanaged pods.</summary>
    private static string CannotDelete(string? message) =>
        message?.StartsWith("cannot delete ", StringComparison.Ordinal) == true ? message : $"cannot delete {message}";

    /// <summary>--disable-eviction deletes instead of evicting, so no budget is asked: say so wherever it is offered.</summary>
    public const string DisableEvictionHint = "or pass --disable-eviction, which deletes the pods and bypasses every PodDisruptionBudget";

    /// <summary>Adds a blocker per budget problem, and records in <paramref name="held"/> each pod it blocks, why, and what clears it.</summary>
    private static void AddBudgetBlockers(List<Blocker> blockers, List<PodFacts> evicted, IReadOnlyList<BudgetFacts> budgets, Dictionary<string, (string Message, string Hint)> held)
    {
        // Terminal, pending and unready pods are let go without spending the budget (the last when the budget is healthy).
        var guarded = evicted.Where(p => !p.IsTerminal && p.Phase != "Pending" && p.DeletionTimestamp is null).ToList();
        foreach (var pod in guarded)
        {
            var covering = budgets.Where(b => b.Covers(pod)).ToList();
            if (covering.Count > 1)
            {
                var budgetList = string.Join(", ", covering.Select(b => b.Key));
                blockers.Add(new Blocker(BlockerSeverity.Blocks, $"pod/{pod.Key}",
                    $"covered by {covering.Count} PodDisruptionBudgets ({budgetList}): the eviction API refuses it (500)",
                    "remove the overlap between the budgets, " + DisableEvictionHint));
                held[pod.Key] = ($"blocked by PodDisruptionBudgets {budgetList}: covered by {covering.Count}, the eviction API refuses it (500)",
                    "remove the overlap; --disable-eviction deletes instead, bypassing budgets");
            }
        }

        foreach (var budget in budgets)
        {
            var pods = guarded.Where(p => budget.Covers(p) && p.Ready && budgets.Count(b => b.Covers(p)) == 1).ToList();
            if (pods.Count == 0)
            {
                continue;
            }

            var names = string.Join(", ", pods.Select(p => p.Key));
            if (budget.DesiredHealthy >= budget.ExpectedPods && budget.ExpectedPods > 0)
            {
                var why = $"allows no disruption at all (needs {budget.DesiredHealthy} healthy of {budget.ExpectedPods})";
                blockers.Add(new Blocker(BlockerSeverity.Blocks, $"poddisruptionbudget/{budget.Key}",
                    $"{why}: {names} cannot be evicted until its workload grows",
                    "scale the workload up, relax the budget, " + DisableEvictionHint));
                Hold(held, pods, budget, why, "scale up or relax the budget; --disable-eviction deletes instead, bypassing budgets");
            }
            else if (budget.DisruptionsAllowed == 0)
            {
                var why = $"allows no disruption now (needs {budget.DesiredHealthy} healthy, has {budget.CurrentHealthy})";
                blockers.Add(new Blocker(BlockerSeverity.Blocks, $"poddisruptionbudget/{budget.Key}",
                    $"{why}: {names} wait until it does",
                    "wait for the workload's unready pods to recover, " + DisableEvictionHint));
                Hold(held, pods, budget, why, "wait for its pods to be ready; --disable-eviction deletes instead, bypassing budgets");
            }
            else if (budget.DisruptionsAllowed < pods.Count)
            {
                blockers.Add(new Blocker(BlockerSeverity.Slows, $"poddisruptionbudget/{budget.Key}",
                    $"allows {budget.DisruptionsAllowed} disruption(s) at a time: {pods.Count} pods ({names}) move in turns as replacements become ready",
                    "nothing to do; the drain waits for each turn"));
            }
        }
    }

    private static void Hold(Dictionary<string, (string Message, string Hint)> held, List<PodFacts> pods, BudgetFacts budget, string why, string hint)
    {
        foreach (var pod in pods)
        {
            held[pod.Key] = ($"blocked by PodDisruptionBudget {budget.Key}: {why}", hint);
        }
    }

    private static void AddCapacity(List<Blocker> blockers, IReadOnlyList<NodeDrainPlan> plans, IReadOnlyList<NodeFacts> allNodes, IReadOnlyList<PodFacts> allPods, List<PodFacts> evicted)
    {
        var draining = plans.Select(p => p.Node.Name).ToHashSet(StringComparer.Ordinal);
        var targets = allNodes.Where(n => !draining.Contains(n.Name) && !n.Unschedulable && n.Ready).ToList();
        var free = new Capacity(0, 0, 0);
        foreach (var node in targets)
        {
            var used = allPods.Where(p => p.NodeName == node.Name && !p.IsTerminal).Aggregate(new Capacity(0, 0, 0), (sum, p) => sum + p.Requests);
            free += node.Allocatable - used;
        }

        // Only pods a controller recreates need room elsewhere; a bare pod deleted with --force is simply gone.
        var recreated = evicted.Where(p => p.Controller is not null && !p.IsTerminal).ToList();
        var need = recreated.Aggregate(new Capacity(0, 0, 0), (sum, p) => sum + p.Requests);
        if (recreated.Count > 0 && !free.Fits(need))
        {
            blockers.Add(new Blocker(BlockerSeverity.Blocks, "cluster",
                $"the {targets.Count} other schedulable nodes have room for less than the {recreated.Count} evicted pods need " +
                $"(need cpu {need.CpuMillis}m, memory {need.MemoryBytes / (1024 * 1024)}Mi, {need.Pods} pods; free cpu {free.CpuMillis}m, memory {free.MemoryBytes / (1024 * 1024)}Mi, {free.Pods} pods): some will stay Pending",
                "add nodes or drain fewer at once"));
        }
    }
}
