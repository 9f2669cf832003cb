using Pitcrew.Executors;

namespace Pitcrew.Upgrade.Runbooks;

/// <summary>One step ready to perform: the command for the node, or the action for Pitcrew.</summary>
internal sealed record RenderedStep(string Name, NodeCommand? Command, StepAction Action)
{
    /// <summary>What a plan or report shows: the command line, or the action's name.</summary>
    public string Display => Command?.Display ?? Action switch
    {
        StepAction.Drain => "(pitcrew) drain the node",
        StepAction.Uncordon => "(pitcrew) uncordon the node",
        _ => "(pitcrew) wait until the node is Ready",
    };
}

/// <summary>Fills a runbook's placeholders for one node, role and target version.</summary>
internal static class RunbookRenderer
{
    public static IReadOnlyList<RenderedStep> Render(Runbook runbook, NodeRole role, KubeVersion target, string node)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["version"] = target.Text,
            ["minor"] = target.MinorText,
            ["debVersion"] = target.DebVersion,
            ["rpmVersion"] = target.RpmVersion,
            ["node"] = node,
        };
        return [.. runbook.Roles[role].Select(step => new RenderedStep(
            step.Name,
            step.Run is null ? null : NodeCommand.Shell(RunbookLoader.Placeholder().Replace(step.Run, m => values[m.Groups[1].Value])) with { Sudo = step.Sudo, Timeout = step.Timeout },
            step.Action))];
    }
}
