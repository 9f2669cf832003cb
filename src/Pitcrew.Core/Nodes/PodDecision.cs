using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>What a drain does with a pod.</summary>
internal enum PodAction
{
    /// <summary>Evicted (or deleted with --disable-eviction).</summary>
    Evict,

    /// <summary>Left where it is: mirror pods, DaemonSet pods with --ignore-daemonsets, long-deleting pods.</summary>
    Skip,

    /// <summary>Stops the node's drain until the flag in the hint is given; in a forecast also a pod a budget would hold.</summary>
    Block,
}

/// <summary>One pod's fate in a drain, with kubectl's message for it and the flag that changes it.</summary>
/// <param name="Message">kubectl's text: the warning for Evict/Skip, the "cannot delete" reason for Block; null when silent.</param>
/// <param name="Hint">The flag that overrides the decision, when one does.</param>
internal sealed record PodDecision(PodFacts Pod, PodAction Action, string? Message, string? Hint)
{
    public bool IsWarning => Action != PodAction.Block && Message is not null;
}
