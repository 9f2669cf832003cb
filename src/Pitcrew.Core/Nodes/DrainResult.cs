namespace Pitcrew.Nodes;

/// <summary>The outcome of one drain over all its nodes (what -o json prints).</summary>
internal sealed record DrainResult(IReadOnlyList<NodeDrainResult> Nodes)
{
    public bool Succeeded => Nodes.All(n => n.Drained);
}

/// <summary>One node's outcome: which pods went, which were left, and why it failed if it did.</summary>
internal sealed record NodeDrainResult(
    string Node,
    bool Drained,
    string? Error,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Evicted,
    IReadOnlyList<string> Skipped,
    IReadOnlyList<string> Pending,
    double ElapsedSeconds);
