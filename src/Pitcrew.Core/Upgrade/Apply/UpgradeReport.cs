using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pitcrew.Upgrade.Apply;

/// <summary>A node at the end of the run, with its timeline from the journal.</summary>
public sealed record NodeReport(string Name, string Role, string? Kubelet, bool Ready, bool Cordoned, IReadOnlyList<JournalEntry> Timeline)
{
    /// <summary>The runbook steps done on the node, over every hop and run; the "part done" marks the runner journals after the gates are not steps.</summary>
    public int StepsDone => Timeline.Count(e => e.State == StepState.Done && !UpgradeRunner.IsPartDoneId(e.Step));
}

/// <summary>The failure, if any: node, step, command, why, its output, and the way back.</summary>
public sealed record FailureReport(string Node, string Step, string Command, string Reason, string Output, IReadOnlyList<string> WayBack);

/// <summary>What upgrade apply writes at the end as JSON, Markdown and HTML: the run, its result, each node's state and timeline.</summary>
public sealed record UpgradeReport(
    string RunId,
    string From,
    string Target,
    IReadOnlyList<string> Path,
    string Result,
    string? Backup,
    DateTimeOffset Started,
    DateTimeOffset Ended,
    FailureReport? Failure,
    IReadOnlyList<JournalEntry> Run,
    IReadOnlyList<NodeReport> Nodes)
{
    public string ToJson() => JsonSerializer.Serialize(this, UpgradeReportJson.Default.UpgradeReport);

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Upgrade {From} → {Target}: {Result}\n\n");
        text.Append(CultureInfo.InvariantCulture, $"- Run: `{RunId}`, path {string.Join(" → ", Path)}\n");
        text.Append(CultureInfo.InvariantCulture, $"- Started {Stamp(Started)}, ended {Stamp(Ended)} ({(Ended - Started).TotalMinutes:0.0} min)\n");
        text.Append(CultureInfo.InvariantCulture, $"- Pre-upgrade backup: {Backup ?? "none"}\n\n");
        if (Failure is { } f)
        {
            text.Append(CultureInfo.InvariantCulture, $"## Failure\n\n`{f.Step}` on node `{f.Node}`: {f.Reason}\n\n```\n{f.Command}\n{f.Output}\n```\n\nThe way back:\n\n");
            foreach (var line in f.WayBack)
            {
                text.Append(CultureInfo.InvariantCulture, $"- {line}\n");
            }

            text.Append('\n');
        }

        text.Append("## Nodes\n\n| Node | Role | Kubelet | Ready | Cordoned | Steps | Time |\n|---|---|---|---|---|---|---|\n");
        foreach (var node in Nodes)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {node.Name} | {node.Role} | {node.Kubelet ?? "?"} | {(node.Ready ? "yes" : "no")} | {(node.Cordoned ? "yes" : "no")} | {node.StepsDone} done | {Seconds(node):0.0}s |\n");
        }

        text.Append("\n## Timeline\n\n| Time | Node | Step | State | Seconds | Detail |\n|---|---|---|---|---|---|\n");
        foreach (var entry in Run.Concat(Nodes.SelectMany(n => n.Timeline)).OrderBy(e => e.At))
        {
            text.Append(CultureInfo.InvariantCulture,
                $"| {entry.At:HH:mm:ss} | {entry.Node ?? "-"} | {entry.Step} | {entry.State} | {(entry.Seconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : string.Empty)} | {Cell(entry.Detail)} |\n");
        }

        return text.ToString();
    }

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
        html.Append(E($"Upgrade {From} → {Target}: {Result}"));
        html.Append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}" +
            ".bar{background:#4a8;height:.8em;display:inline-block}.fail{color:#b00}pre{background:#f4f4f4;padding:.5em}</style></head><body>\n");
        html.Append(CultureInfo.InvariantCulture, $"<h1>Upgrade {E(From)} → {E(Target)}: <span class=\"{(Failure is null ? string.Empty : "fail")}\">{E(Result)}</span></h1>\n");
        html.Append(CultureInfo.InvariantCulture, $"<p>Run {E(RunId)}, path {E(string.Join(" → ", Path))}; started {E(Stamp(Started))}, ended {E(Stamp(Ended))}; pre-upgrade backup {E(Backup ?? "none")}.</p>\n");
        if (Failure is { } f)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2 class=\"fail\">Failure</h2><p><b>{E(f.Step)}</b> on node <b>{E(f.Node)}</b>: {E(f.Reason)}</p><pre>{E(f.Command)}\n{E(f.Output)}</pre><ul>");
            foreach (var line in f.WayBack)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li>{E(line)}</li>");
            }

            html.Append("</ul>\n");
        }

        var total = Math.Max(1, (Ended - Started).TotalSeconds);
        html.Append("<h2>Nodes</h2><table><tr><th>Node</th><th>Role</th><th>Kubelet</th><th>Ready</th><th>Cordoned</th><th>Timeline</th></tr>\n");
        foreach (var node in Nodes)
        {
            var first = node.Timeline.Count > 0 ? node.Timeline[0].At : Started;
            var left = (first - Started).TotalSeconds / total * 100;
            var width = Math.Max(0.5, Seconds(node) / total * 100);
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{E(node.Name)}</td><td>{E(node.Role)}</td><td>{E(node.Kubelet ?? "?")}</td><td>{(node.Ready ? "yes" : "no")}</td><td>{(node.Cordoned ? "yes" : "no")}</td>" +
                $"<td><span style=\"display:inline-block;width:{left:0.#}%\"></span><span class=\"bar\" style=\"width:{width:0.#}%\" title=\"{Seconds(node):0.0}s\"></span></td></tr>\n");
        }

        html.Append("</table>\n<h2>Timeline</h2><table><tr><th>Time</th><th>Node</th><th>Step</th><th>State</th><th>Seconds</th><th>Detail</th></tr>\n");
        foreach (var entry in Run.Concat(Nodes.SelectMany(n => n.Timeline)).OrderBy(e => e.At))
        {
            html.Append(CultureInfo.InvariantCulture,
                $"<tr><td>{entry.At:HH:mm:ss}</td><td>{E(entry.Node ?? "-")}</td><td>{E(entry.Step)}</td><td>{entry.State}</td><td>{(entry.Seconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : string.Empty)}</td><td>{E(entry.Detail ?? string.Empty)}</td></tr>\n");
        }

        html.Append("</table></body></html>\n");
        return html.ToString();
    }

    /// <summary>Writes upgrade-report-RUN.json, .md and .html into the directory; returns their paths.</summary>
    public IReadOnlyList<string> WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var stem = System.IO.Path.Combine(directory, $"upgrade-report-{RunId}");
        File.WriteAllText(stem + ".json", ToJson());
        File.WriteAllText(stem + ".md", ToMarkdown());
        File.WriteAllText(stem + ".html", ToHtml());
        return [stem + ".json", stem + ".md", stem + ".html"];
    }

    /// <summary>The time the node's upgrade took (each part from its first step to passing its gates), summed over hops and runs.</summary>
    public static double Seconds(NodeReport node) =>
        node.Timeline.Where(e => e.State == StepState.Done && e.Step.EndsWith("done", StringComparison.Ordinal)).Sum(e => e.Seconds ?? 0);

    private static string Stamp(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Cell(string? text) => (text ?? string.Empty).Split('\n')[0].Replace("|", "\\|", StringComparison.Ordinal);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(UpgradeReport))]
internal sealed partial class UpgradeReportJson : JsonSerializerContext;
