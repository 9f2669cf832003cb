using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>Why a budget holds an eviction back, including the cases where its counts alone look as if it should not.</summary>
internal enum BlockReason
{
    /// <summary>Too few pods are healthy for the budget to allow a disruption.</summary>
    TooFewHealthy,

    /// <summary>The disruption controller has not yet observed the budget's latest spec (observedGeneration behind).</summary>
    NotObserved,

    /// <summary>Disruptions were already granted to evictions whose pods are not gone yet (status.disruptedPods).</summary>
    Granted,

    /// <summary>What the budget allows is taken by evictions this drain sent since the budget's last status.</summary>
    Claimed,

    /// <summary>Enough pods are healthy, yet the status allows none: pods not yet gone, the controller not yet settled.</summary>
    NotSettled,

    /// <summary>The API server refused although the last status seen here allows a disruption: that status is behind.</summary>
    Refused,
}

/// <summary>One budget holding one eviction back, and why; the same block is reported once.</summary>
/// <param name="Claimed">Evictions this drain sent under the budget since its last status.</param>
internal sealed record BudgetBlock(BudgetFacts Budget, BlockReason Reason, int Claimed)
{
    /// <summary>Why the budget blocks, from its status, what this drain has claimed of it, and whether the server just refused.</summary>
    public static BudgetBlock Explain(BudgetFacts budget, int claimed, bool refusedByServer)
    {
        var reason = budget switch
        {
            { ObservedGeneration: var observed, Generation: var generation } when observed < generation => BlockReason.NotObserved,
            { DisruptionsAllowed: > 0 } when refusedByServer => BlockReason.Refused,
            { DisruptionsAllowed: > 0 } => BlockReason.Claimed,
            _ when budget.CurrentHealthy <= budget.DesiredHealthy => BlockReason.TooFewHealthy,
            { DisruptedPods.Count: > 0 } => BlockReason.Granted,
            _ => BlockReason.NotSettled,
        };
        return new BudgetBlock(budget, reason, claimed);
    }

    /// <summary>What makes two reports of a pod's block the same: the budget, the reason and the counts.</summary>
    public string Key => $"{Budget.Key}|{Reason}|{Budget.DesiredHealthy}|{Budget.CurrentHealthy}|{Budget.DisruptionsAllowed}|{Budget.DisruptedPods.Count}";

    /// <summary>The reason in words, for the counts that follow it.</summary>
    public string Why => Reason switch
    {
        BlockReason.NotObserved =>
            $"its status is not yet observed (generation {Budget.Generation}, observed {Budget.ObservedGeneration}): the disruption controller has not caught up with its last change",
        BlockReason.Granted =>
            $"{Disruptions(Budget.DisruptedPods.Count)} already granted and not yet settled ({string.Join(", ", Budget.DisruptedPods.Order(StringComparer.Ordinal))}): "
            + "those pods are not gone yet",
        BlockReason.Claimed =>
            $"the {Disruptions(Budget.DisruptionsAllowed)} it allows {(Budget.DisruptionsAllowed == 1 ? "is" : "are")} taken by evictions this drain just sent: waiting for its next status",
        BlockReason.NotSettled =>
            "no disruption allowed although enough pods are healthy: pods evicted earlier are not yet gone, or the disruption controller has not settled",
        BlockReason.Refused =>
            "the API server refused although the last status seen here allows a disruption: another eviction took it first; waiting for its next status",
        _ when Budget.ExpectedPods > 0 && Budget.DesiredHealthy >= Budget.ExpectedPods =>
            $"it needs every pod it expects ({Budget.ExpectedPods}) healthy: no eviction until the workload grows or the budget is relaxed",
        _ => Budget.DisruptedPods.Count > 0
            ? $"too few healthy pods to allow a disruption ({Disruptions(Budget.DisruptedPods.Count)} granted, pods not yet gone)"
            : "too few healthy pods to allow a disruption",
    };

    /// <summary>The status counts as the budget shows them.</summary>
    public string Counts => $"needs {Budget.DesiredHealthy} healthy, has {Budget.CurrentHealthy}, allows {Budget.DisruptionsAllowed}";

    private static string Disruptions(int count) => count == 1 ? "1 disruption" : $"{count} disruptions";
}
