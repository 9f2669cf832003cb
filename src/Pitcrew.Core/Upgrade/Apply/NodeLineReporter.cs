using Pitcrew.Nodes;

namespace Pitcrew.Upgrade.Apply;

/// <summary>The drain engine's kubectl lines, prefixed with the node, as upgrade output; its stderr lines kept for a failure report.</summary>
internal sealed class NodeLineReporter(string node, IUpgradeProgress progress) : IDrainReporter
{
    private readonly List<string> _errors = [];

    public void Out(string line) => progress.Output(node, line);

    public void Err(string line)
    {
        lock (_errors)
        {
            _errors.Add(line);
        }

        // What holds a drain (a budget refusing an eviction, said once per change) shows without -v: a drain that
        // waits minutes says why while it waits.
        if (line.EndsWith("; will retry", StringComparison.Ordinal))
        {
            progress.Line($"      [{node}] {line}");
        }
        else
        {
            progress.Output(node, line);
        }
    }

    /// <summary>The distinct stderr lines (the budgets that blocked evictions, refusals), oldest first.</summary>
    public IReadOnlyList<string> Blocked()
    {
        lock (_errors)
        {
            return [.. _errors.Distinct(StringComparer.Ordinal)];
        }
    }
}
