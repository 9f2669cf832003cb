using System.Globalization;
using Pitcrew.Backups.Retention;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>Human output for retention: a summary per rule and the kept backups with their reasons.</summary>
internal static class RetentionRenderer
{
    /// <summary>Kept backups listed before the rest are summarised in one line (-o json lists them all).</summary>
    public const int MaxKeptRows = 100;

    public static void Simulation(TextWriter output, RetentionSimulation simulation, RetentionPolicy policy, IReadOnlyList<RetentionDecision> decisions)
    {
        var kept = decisions.Where(d => d.Keep).ToList();
        var zone = policy.TimeZone;
        var oldest = decisions.Count > 0 ? Rfc3339.Format(decisions[^1].Backup.CreatedAt, zone) : "-";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Simulated {decisions.Count:N0} backups ({simulation.TagAt.Count} tagged), one every {Period(simulation.Every)} from {oldest} to {Rfc3339.Format(simulation.Until, zone)}."));
        output.WriteLine($"Policy: {policy}.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Kept {kept.Count:N0}, deleted {decisions.Count - kept.Count:N0}."));
        Rules(output, kept);
        Kept(output, kept, zone);
    }

    /// <summary>How many kept backups each rule accounts for (a backup kept by two rules counts for both).</summary>
    public static IReadOnlyList<(string Rule, int Kept)> CountByRule(IEnumerable<RetentionDecision> kept) =>
        [.. kept.SelectMany(d => d.Reasons.Select(RetentionReasons.Rule).Distinct(StringComparer.Ordinal))
            .GroupBy(r => r, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Count()))];

    private static void Rules(TextWriter output, List<RetentionDecision> kept)
    {
        var rules = CountByRule(kept);
        if (rules.Count == 0)
        {
            return;
        }

        var width = Math.Max("RULE".Length, rules.Max(r => r.Rule.Length));
        output.WriteLine();
        output.WriteLine($"{"RULE".PadRight(width)}  KEPT");
        foreach (var (rule, count) in rules)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rule.PadRight(width)}  {count}"));
        }
    }

    private static void Kept(TextWriter output, List<RetentionDecision> kept, TimeZoneInfo zone)
    {
        if (kept.Count == 0)
        {
            return;
        }

        var rows = kept.Take(MaxKeptRows).Select(d => (Time: Rfc3339.Format(d.Backup.CreatedAt, zone), Tags: string.Join(',', d.Backup.Tags), Reasons: string.Join("; ", d.Reasons))).ToList();
        var timeWidth = Math.Max("KEPT".Length, rows.Max(r => r.Time.Length));
        var tagWidth = Math.Max("TAGS".Length, rows.Max(r => r.Tags.Length));
        output.WriteLine();
        output.WriteLine($"{"KEPT".PadRight(timeWidth)}  {"TAGS".PadRight(tagWidth)}  REASONS");
        foreach (var (time, tags, reasons) in rows)
        {
            output.WriteLine($"{time.PadRight(timeWidth)}  {tags.PadRight(tagWidth)}  {reasons}");
        }

        if (kept.Count > rows.Count)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"... and {kept.Count - rows.Count:N0} more kept backups (-o json lists every backup)"));
        }
    }

    private static string Period(TimeSpan period)
    {
        if (period.Ticks % TimeSpan.TicksPerDay == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{period.Days}d");
        }

        var text = string.Empty;
        text += period.Days > 0 ? string.Create(CultureInfo.InvariantCulture, $"{period.Days}d") : string.Empty;
        text += period.Hours > 0 ? string.Create(CultureInfo.InvariantCulture, $"{period.Hours}h") : string.Empty;
        text += period.Minutes > 0 ? string.Create(CultureInfo.InvariantCulture, $"{period.Minutes}m") : string.Empty;
        text += period.Seconds > 0 || period.Milliseconds > 0 ? string.Create(CultureInfo.InvariantCulture, $"{period.TotalSeconds % 60:0.###}s") : string.Empty;
        return text;
    }
}
