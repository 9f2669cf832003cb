using Pitcrew.Nodes;

namespace Pitcrew.Cli.NodeCommands;

/// <summary>The drain plan as text: one table per node, then the predicted blockers.</summary>
internal static class DrainPlanRenderer
{
    public static void Render(TextWriter output, DrainForecastResult forecast)
    {
        foreach (var plan in forecast.Plans)
        {
            output.WriteLine($"node/{plan.Node.Name}{(plan.Node.Unschedulable ? " (cordoned)" : string.Empty)}: {plan.ToEvict.Count()} to evict, "
                + $"{plan.Decisions.Count(d => d.Action == PodAction.Skip)} skipped, {plan.Blocking.Count()} blocking");
            var rows = plan.Decisions.Select(d => (Pod: d.Pod.Key, Action: Verb(d.Action), Reason: d.Message ?? Silent(d), Override: d.Hint ?? string.Empty)).ToList();
            if (rows.Count == 0)
            {
                output.WriteLine("  (no pods)");
                continue;
            }

            var podWidth = Math.Max(3, rows.Max(r => r.Pod.Length));
            var reasonWidth = Math.Max(6, rows.Max(r => r.Reason.Length));
            output.WriteLine($"  {"POD".PadRight(podWidth)}  {"DECISION",-8}  {"REASON".PadRight(reasonWidth)}  OVERRIDE");
            foreach (var row in rows)
            {
                output.WriteLine($"  {row.Pod.PadRight(podWidth)}  {row.Action,-8}  {row.Reason.PadRight(reasonWidth)}  {row.Override}".TrimEnd());
            }
        }

        output.WriteLine();
        if (forecast.Blockers.Count == 0)
        {
            output.WriteLine("No blockers predicted: the drain can go through.");
            return;
        }

        output.WriteLine(forecast.CanProceed ? "The drain can go through, with these notes:" : "The drain would be blocked:");
        foreach (var blocker in forecast.Blockers)
        {
            output.WriteLine($"  [{(blocker.Severity == BlockerSeverity.Blocks ? "BLOCKS" : "slows")}] {blocker.Subject}: {blocker.Message}; {blocker.Remedy}");
        }
    }

    /// <summary>After a client dry run: the blockers kubectl cannot predict, on stderr.</summary>
    public static void Blockers(IDrainReporter report, DrainForecastResult forecast)
    {
        foreach (var blocker in forecast.Blockers.Where(b => !b.Subject.StartsWith("node/", StringComparison.Ordinal)))
        {
            report.Err($"{(blocker.Severity == BlockerSeverity.Blocks ? "predicted blocker" : "note")}: {blocker.Subject}: {blocker.Message}; {blocker.Remedy}");
        }
    }

    private static string Verb(PodAction action) => action switch
    {
        PodAction.Evict => "evict",
        PodAction.Skip => "skip",
        _ => "BLOCK",
    };

    private static string Silent(PodDecision decision) => decision.Action switch
    {
        PodAction.Skip when decision.Pod.IsMirror => "mirror (static) pod: managed by the kubelet, not the API",
        PodAction.Skip => "deleting for longer than --skip-wait-for-delete-timeout",
        _ when decision.Pod.IsTerminal => $"completed ({decision.Pod.Phase}): deleted without a budget check",
        _ => decision.Pod.Controller is { } c ? $"managed by {c.Kind} {c.Name}" : string.Empty,
    };
}
