using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using Pitcrew.Backups.Retention;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>Parsers for the backup flags' durations, spans and times; a bad value is a usage error naming the flag.</summary>
internal static partial class CliDurations
{
    /// <summary>A fixed period as Go writes it, plus d and w: 15m (minutes), 1h, 1d, 1w, 1h30m.</summary>
    public static TimeSpan Period(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TryParsePeriod(text, out var period) && period > TimeSpan.Zero)
        {
            return period;
        }

        result.AddError($"invalid period \"{text}\" for {Flag(result)}: use a positive duration such as 15m (minutes), 1h, 1d or 1w");
        return TimeSpan.Zero;
    }

    /// <summary>A calendar span as restic's --keep-within takes it: 30d, 2w, 1y2m3d4h (m is months).</summary>
    public static RetentionSpan Span(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (RetentionSpan.TryParse(text, out var span) && !span.IsZero)
        {
            return span;
        }

        result.AddError($"invalid span \"{text}\" for {Flag(result)}: use numbers with y (years), m (months), w (weeks), d (days) or h (hours), such as 30d or 1y6m");
        return default;
    }

    /// <summary>An instant: RFC 3339, or a date and time read as UTC.</summary>
    public static DateTimeOffset Time(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TaggedTime.TryParseTime(text, out var time))
        {
            return time;
        }

        result.AddError($"invalid time \"{text}\" for {Flag(result)}: use RFC 3339 such as 2026-11-23T14:00:00Z");
        return default;
    }

    public static bool TryParsePeriod(string text, out TimeSpan period)
    {
        period = TimeSpan.Zero;
        var matches = Part().Matches(text);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != text.Length)
        {
            return false;
        }

        foreach (Match match in matches)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            var unit = match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(1),
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                _ => TimeSpan.FromDays(7),
            };
            if (value * unit.Ticks > TimeSpan.FromDays(36_600).Ticks)
            {
                return false;
            }

            period += unit * value;
        }

        return true;
    }

    public static string Flag(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : "the argument";

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)")]
    private static partial Regex Part();
}
