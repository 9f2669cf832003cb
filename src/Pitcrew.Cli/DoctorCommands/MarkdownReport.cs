using System.Text;
using Pitcrew.Doctor;

namespace Pitcrew.Cli.DoctorCommands;

/// <summary>The report as Markdown: a findings table and one section per finding above info (for issues and incident notes).</summary>
internal static class MarkdownReport
{
    public static string Render(DoctorReport report)
    {
        var text = new StringBuilder();
        text.Append("# pitcrew doctor: ").Append(report.Scope).Append('\n').Append('\n');
        text.Append(TableReport.Summary(report)).Append(" at ").Append(Ages.Stamp(report.GeneratedAt))
            .Append(report.Server is null ? string.Empty : $", API server {report.Server}").Append('\n').Append('\n');
        var status = TableReport.Status(report);
        if (report.Findings.Count > 0)
        {
            text.Append("| Severity | Check | Object | Symptom |").Append(status is null ? string.Empty : " Baseline |").Append('\n');
            text.Append("|---|---|---|---|").Append(status is null ? string.Empty : "---|").Append('\n');
            foreach (var f in report.Findings)
            {
                text.Append($"| {TableReport.Label(f.Severity)} | `{f.Id}` | {Cell(f.Object.Ref)} | {Cell(f.Symptom)} |").Append(status is null ? string.Empty : $" {status(f)} |").Append('\n');
            }

            foreach (var f in report.Findings.Where(f => f.Severity > Severity.Info))
            {
                text.Append('\n').Append($"## {TableReport.Label(f.Severity)} {Inline(f.Object.Ref)}: {Inline(f.Symptom)}").Append('\n').Append('\n');
                text.Append($"- **Check:** `{f.Id}`").Append('\n');
                text.Append($"- **Cause:** {Inline(f.Cause)}").Append('\n');
                text.Append("- **Evidence:**").Append('\n');
                foreach (var line in f.Evidence)
                {
                    text.Append($"  - `{line.Replace('`', '\'')}`").Append('\n');
                }

                text.Append($"- **Remedy:** {Inline(f.Remedy)}").Append('\n');
            }
        }
        else
        {
            text.Append("No findings.").Append('\n');
        }

        if (report.Baseline is { } baseline)
        {
            text.Append('\n').Append($"## Against {Inline(baseline.File)}: {baseline.New.Count} new, {baseline.Fixed.Count} fixed, {baseline.Unchanged.Count} unchanged").Append('\n').Append('\n');
            foreach (var f in baseline.Fixed)
            {
                text.Append($"- fixed: `{f.Id}` {Inline(f.Object)}: {Inline(f.Symptom)}").Append('\n');
            }
        }

        if (report.Notes.Count > 0)
        {
            text.Append('\n').Append("## Notes").Append('\n').Append('\n');
            foreach (var note in report.Notes)
            {
                text.Append("- ").Append(Inline(note)).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Cell(string text) => Inline(text).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Inline(string text) => text.Replace("\n", " ", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
