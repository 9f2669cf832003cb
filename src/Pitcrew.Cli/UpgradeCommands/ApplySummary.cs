using System.Globalization;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>The text upgrade apply prints at the end: a row per node (counted as the reports count), then the failure and the way back.</summary>
internal static class ApplySummary
{
    public static IEnumerable<string> Lines(UpgradeReport report, ApplyEnd end, DateTimeOffset? nextWindow)
    {
        yield return $"upgrade {report.From} -> {report.Target}: {report.Result}";
        foreach (var line in TextTable.Format(["NODE", "ROLE", "KUBELET", "READY", "CORDONED", "STEPS DONE", "SECONDS"],
            [.. report.Nodes.Select(n => (IReadOnlyList<string>)[n.Name, n.Role, n.Kubelet ?? "?", n.Ready ? "yes" : "no", n.Cordoned ? "yes" : "no",
                n.StepsDone.ToString(CultureInfo.InvariantCulture), UpgradeReport.Seconds(n).ToString("0.0", CultureInfo.InvariantCulture)])]))
        {
            yield return line;
        }

        if (report.Failure is { } failure)
        {
            yield return string.Empty;
            yield return $"FAILED: {failure.Step} on node/{failure.Node}: {failure.Reason}";
            if (failure.Command.Length > 0)
            {
                yield return $"  command: {failure.Command}";
            }

            foreach (var line in failure.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return $"  | {line}";
            }

            yield return "The way back:";
            foreach (var line in failure.WayBack)
            {
                yield return $"  - {line}";
            }
        }
        else if (end == ApplyEnd.WindowClosed)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"the window closed; run again with --resume when it opens ({nextWindow:yyyy-MM-dd HH:mm} UTC)");
        }
    }
}
