using System.Net;
using System.Text;
using Pitcrew.Doctor;

namespace Pitcrew.Cli.DoctorCommands;

/// <summary>A single-file HTML report (inline CSS, every value escaped) to attach to an incident.</summary>
internal static class HtmlReport
{
    private const string Style = """
        body{font-family:system-ui,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f4f4f4}.critical{color:#b00020;font-weight:bold}.warning{color:#a15c00;font-weight:bold}.info{color:#666}
        section{border-left:4px solid #ccc;padding:0 1em;margin:1.5em 0}section.critical{border-color:#b00020}section.warning{border-color:#e0a000}
        code,pre{background:#f7f7f7;padding:2px 4px}pre{white-space:pre-wrap}
        """;

    public static string Render(DoctorReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>pitcrew doctor: ").Append(E(report.Scope)).Append("</title>\n<style>")
            .Append(Style).Append("</style></head><body>\n");
        html.Append("<h1>pitcrew doctor: ").Append(E(report.Scope)).Append("</h1>\n<p>").Append(E(TableReport.Summary(report))).Append(" at ")
            .Append(E(Ages.Stamp(report.GeneratedAt))).Append(report.Server is null ? string.Empty : ", API server " + E(report.Server)).Append("</p>\n");
        var status = TableReport.Status(report);
        if (report.Findings.Count > 0)
        {
            html.Append("<table><tr><th>Severity</th><th>Check</th><th>Object</th><th>Symptom</th>").Append(status is null ? string.Empty : "<th>Baseline</th>").Append("</tr>\n");
            foreach (var f in report.Findings)
            {
                html.Append($"<tr><td class=\"{Class(f.Severity)}\">{TableReport.Label(f.Severity)}</td><td><code>{E(f.Id)}</code></td><td>{E(f.Object.Ref)}</td><td>{E(f.Symptom)}</td>")
                    .Append(status is null ? string.Empty : $"<td>{E(status(f))}</td>").Append("</tr>\n");
            }

            html.Append("</table>\n");
            foreach (var f in report.Findings.Where(f => f.Severity > Severity.Info))
            {
                html.Append($"<section class=\"{Class(f.Severity)}\"><h2><span class=\"{Class(f.Severity)}\">{TableReport.Label(f.Severity)}</span> {E(f.Object.Ref)}: {E(f.Symptom)}</h2>\n");
                html.Append($"<p><b>Check:</b> <code>{E(f.Id)}</code></p><p><b>Cause:</b> {E(f.Cause)}</p><p><b>Evidence:</b></p><pre>");
                html.AppendJoin('\n', f.Evidence.Select(E)).Append("</pre>\n");
                html.Append($"<p><b>Remedy:</b> {E(f.Remedy)}</p></section>\n");
            }
        }
        else
        {
            html.Append("<p>No findings.</p>\n");
        }

        if (report.Baseline is { } baseline)
        {
            html.Append($"<h2>Against {E(baseline.File)}: {baseline.New.Count} new, {baseline.Fixed.Count} fixed, {baseline.Unchanged.Count} unchanged</h2>\n<ul>");
            foreach (var f in baseline.Fixed)
            {
                html.Append($"<li>fixed: <code>{E(f.Id)}</code> {E(f.Object)}: {E(f.Symptom)}</li>");
            }

            html.Append("</ul>\n");
        }

        if (report.Notes.Count > 0)
        {
            html.Append("<h2>Notes</h2>\n<ul>").AppendJoin(string.Empty, report.Notes.Select(n => $"<li>{E(n)}</li>")).Append("</ul>\n");
        }

        return html.Append("</body></html>\n").ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Class(Severity severity) => severity.ToString().ToLowerInvariant();
}
