using Pitcrew.Doctor;
using Spectre.Console;

namespace Pitcrew.Cli.DoctorCommands;

/// <summary>The terminal report: a summary table of findings worst first, then each finding's cause, evidence and remedy.</summary>
internal static class TableReport
{
    public static void Render(IAnsiConsole console, DoctorReport report)
    {
        var status = Status(report);
        if (report.Findings.Count == 0)
        {
            console.MarkupLine("[green]No findings.[/]");
        }
        else
        {
            var table = new Table().Border(TableBorder.Simple).AddColumn("SEVERITY").AddColumn("CHECK").AddColumn("OBJECT").AddColumn("SYMPTOM");
            if (status is not null)
            {
                table.AddColumn("BASELINE");
            }

            foreach (var f in report.Findings)
            {
                var row = new List<string> { $"[{Color(f.Severity)}]{Label(f.Severity)}[/]", Markup.Escape(f.Id), Markup.Escape(f.Object.Ref), Markup.Escape(f.Symptom) };
                if (status is not null)
                {
                    row.Add(status(f));
                }

                table.AddRow([.. row]);
            }

            console.Write(table);
            foreach (var f in report.Findings.Where(f => f.Severity > Severity.Info))
            {
                console.WriteLine();
                console.MarkupLine($"[{Color(f.Severity)}]{Label(f.Severity)}[/] [bold]{Markup.Escape(f.Object.Ref)}[/]: {Markup.Escape(f.Symptom)} ({Markup.Escape(f.Id)})");
                console.MarkupLine($"  cause:    {Markup.Escape(f.Cause)}");
                for (var i = 0; i < f.Evidence.Count; i++)
                {
                    console.MarkupLine($"  {(i == 0 ? "evidence:" : "         ")} {Markup.Escape(f.Evidence[i])}");
                }

                console.MarkupLine($"  remedy:   {Markup.Escape(f.Remedy)}");
            }
        }

        if (report.Baseline is { } baseline)
        {
            console.WriteLine();
            console.MarkupLine(Markup.Escape($"Against {baseline.File}: {baseline.New.Count} new, {baseline.Fixed.Count} fixed, {baseline.Unchanged.Count} unchanged"));
            foreach (var fixedOne in baseline.Fixed)
            {
                console.MarkupLine($"  [green]fixed[/] {Markup.Escape($"{fixedOne.Id} {fixedOne.Object}: {fixedOne.Symptom}")}");
            }
        }

        foreach (var note in report.Notes)
        {
            console.MarkupLine($"[grey]note:[/] {Markup.Escape(note)}");
        }

        if (report.ServingCertificates is { Count: > 0 } serving)
        {
            console.WriteLine();
            var live = new Table().Border(TableBorder.None).AddColumns("SERVING CERTIFICATE", "OF", "SEEN AT", "EXPIRES", "RESIDUAL TIME", "ISSUER");
            foreach (var r in serving)
            {
                live.AddRow(r.Component, Markup.Escape(r.Object), Markup.Escape(r.Endpoint), Stamp(r.Expires), r.ResidualTime, Markup.Escape(r.Issuer));
            }

            console.Write(live);
        }

        if (report.Certificates is { Count: > 0 } rows)
        {
            console.WriteLine();
            var leaves = new Table().Border(TableBorder.None).AddColumns("CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED");
            foreach (var r in rows.Where(r => !r.IsAuthority))
            {
                leaves.AddRow(Markup.Escape(r.Certificate), Expires(r), r.ResidualTime, r.Authority ?? string.Empty, r.ExternallyManaged ? "yes" : "no");
            }

            console.Write(leaves);
            var authorities = new Table().Border(TableBorder.None).AddColumns("CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED");
            foreach (var r in rows.Where(r => r.IsAuthority))
            {
                authorities.AddRow(Markup.Escape(r.Certificate), Expires(r), r.ResidualTime, r.ExternallyManaged ? "yes" : "no");
            }

            console.Write(authorities);
        }

        console.WriteLine();
        console.MarkupLine(Markup.Escape(Summary(report)));
    }

    public static string Summary(DoctorReport report) =>
        $"{report.Findings.Count(f => f.Severity == Severity.Critical)} critical, {report.Findings.Count(f => f.Severity == Severity.Warning)} warning, " +
        $"{report.Findings.Count(f => f.Severity == Severity.Info)} info ({report.Scope})";

    public static string Label(Severity severity) => severity switch
    {
        Severity.Critical => "CRITICAL",
        Severity.Warning => "WARNING",
        _ => "INFO",
    };

    /// <summary>new / unchanged per finding when a baseline was given.</summary>
    public static Func<Finding, string>? Status(DoctorReport report)
    {
        if (report.Baseline is not { } baseline)
        {
            return null;
        }

        var added = baseline.New.ToHashSet(StringComparer.Ordinal);
        return f => added.Contains(f.Key) ? "new" : "unchanged";
    }

    private static string Expires(CertificateRow row) => Stamp(row.Expires);

    private static string Stamp(DateTimeOffset expires) => expires.UtcDateTime.ToString("MMM dd, yyyy HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Color(Severity severity) => severity switch
    {
        Severity.Critical => "red",
        Severity.Warning => "yellow",
        _ => "grey",
    };
}
