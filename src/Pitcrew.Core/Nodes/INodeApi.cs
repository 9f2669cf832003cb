using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>The narrow port node maintenance talks to the cluster through; the adapter translates HTTP errors into these results.</summary>
internal interface INodeApi
{
    /// <summary>The node, or a <see cref="Errors.PitcrewException"/> with kubectl's NotFound text.</summary>
    Task<NodeFacts> GetNodeAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<NodeFacts>> ListNodesAsync(string? labelSelector, int chunkSize, CancellationToken cancellationToken);

    /// <summary>Sets spec.unschedulable with a strategic merge patch; marks or unmarks the node as cordoned by Pitcrew.</summary>
    Task SetUnschedulableAsync(string name, bool unschedulable, string? cordonMark, bool serverDryRun, CancellationToken cancellationToken);

    /// <summary>Pods on a node (or everywhere when null), paged, with the list's resourceVersion to watch from.</summary>
    Task<PodSnapshot> ListPodsAsync(string? nodeName, string? labelSelector, int chunkSize, CancellationToken cancellationToken);

    Task<bool> DaemonSetExistsAsync(string ns, string name, CancellationToken cancellationToken);

    Task<BudgetSnapshot> ListBudgetsAsync(CancellationToken cancellationToken);

    Task<EvictionResult> EvictAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken);

    Task<EvictionResult> DeleteAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken);

    /// <summary>Changes to the pods on a node from a resourceVersion on; ends when the server closes the watch.</summary>
    IAsyncEnumerable<PodChange> WatchPodsAsync(string nodeName, string resourceVersion, CancellationToken cancellationToken);

    /// <summary>Every budget as it changes, from a resourceVersion on; ends when the server closes the watch.</summary>
    IAsyncEnumerable<BudgetFacts> WatchBudgetsAsync(string resourceVersion, CancellationToken cancellationToken);
}

/// <summary>A consistent list of pods and the revision it was read at.</summary>
internal sealed record PodSnapshot(IReadOnlyList<PodFacts> Pods, string ResourceVersion);

/// <summary>Every PodDisruptionBudget and the revision the list was read at.</summary>
internal sealed record BudgetSnapshot(IReadOnlyList<BudgetFacts> Budgets, string ResourceVersion);

/// <summary>One watch event for a pod.</summary>
internal sealed record PodChange(bool Deleted, PodFacts Pod);

/// <summary>How the API server answered an eviction or delete.</summary>
internal enum EvictionStatus
{
    Accepted,
    Gone,
    TooManyRequests,
    NamespaceTerminating,
    Failed,
}

/// <summary>The answer to one eviction: for 429 the causes (which budget, its counts) and the server's Retry-After.</summary>
internal sealed record EvictionResult(EvictionStatus Status, string? Message = null, IReadOnlyList<string>? Causes = null, TimeSpan? RetryAfter = null)
{
    public static readonly EvictionResult Accepted = new(EvictionStatus.Accepted);
    public static readonly EvictionResult Gone = new(EvictionStatus.Gone);
}
