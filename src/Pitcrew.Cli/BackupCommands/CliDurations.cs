using System.CommandLine.Parsing;
using Pitcrew.Backups.Retention;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>Parsers for the backup flags' durations, spans and times; a bad value is a usage error naming the flag.</summary>
internal static class CliDurations
{
    /// <summary>A fixed period as Go writes it, plus d and w: 15m (minutes), 1h, 1d, 1w, 1h30m.</summary>
    public static TimeSpan Period(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (GoDuration.TryParse(text, out var period, daysAndWeeks: true) && period > TimeSpan.Zero)
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

    public static string Flag(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : "the argument";
}
