using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pitcrew;

/// <summary>Durations as Go reads and writes them (time.ParseDuration, Duration.String), as etcdctl and kubectl show them.</summary>
public static partial class GoDuration
{
    /// <summary>The longest duration accepted, so a typo cannot overflow a timer.</summary>
    private static readonly TimeSpan Longest = TimeSpan.FromDays(36_600);

    /// <summary>Parses 5s, 500ms, 1m30s, 2h or 0; with <paramref name="daysAndWeeks"/> also d and w (1d, 2w), which Go lacks.</summary>
    public static bool TryParse(string text, out TimeSpan duration, bool daysAndWeeks = false)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        var matches = Part().Matches(text);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != text.Length)
        {
            return false;
        }

        var ticks = 0.0;
        foreach (Match match in matches)
        {
            var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            double? unit = match.Groups[2].Value switch
            {
                "ns" => 0.01,
                "us" or "µs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                "d" when daysAndWeeks => TimeSpan.TicksPerDay,
                "w" when daysAndWeeks => TimeSpan.TicksPerDay * 7,
                _ => null,
            };
            if (unit is null)
            {
                return false;
            }

            ticks += value * unit.Value;
        }

        if (ticks > Longest.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(ticks));
        return true;
    }

    /// <summary>
    /// Go's Duration.String (0s, 1.5s, 1m30s, 1h0m0s, 250µs), rounded to the millisecond from a millisecond up as
    /// kubectl rounds elapsed times (141ms, not 141.1244ms).
    /// </summary>
    public static string Format(TimeSpan span)
    {
        if (span == TimeSpan.Zero)
        {
            return "0s";
        }

        var negative = span < TimeSpan.Zero;
        var ticks = Math.Abs(span.Ticks);
        if (ticks >= TimeSpan.TicksPerMillisecond)
        {
            ticks = (ticks + (TimeSpan.TicksPerMillisecond / 2)) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond;
        }

        var text = new StringBuilder(negative ? "-" : string.Empty);
        if (ticks < TimeSpan.TicksPerSecond)
        {
            // Below a second Go picks the largest unit that keeps a whole part: ms, µs or ns.
            return (ticks >= TimeSpan.TicksPerMillisecond
                ? text.Append(Decimal(ticks, TimeSpan.TicksPerMillisecond)).Append("ms")
                : text.Append(Decimal(ticks, 10)).Append("µs")).ToString();
        }

        var hours = ticks / TimeSpan.TicksPerHour;
        var minutes = ticks % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
        var seconds = ticks % TimeSpan.TicksPerMinute;
        if (hours > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (hours > 0 || minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{minutes}m");
        }

        return text.Append(Decimal(seconds, TimeSpan.TicksPerSecond)).Append('s').ToString();
    }

    /// <summary>ticks / unit with the fraction Go would print: no trailing zeros, no point for a whole number.</summary>
    private static string Decimal(long ticks, long unit) =>
        ((decimal)ticks / unit).ToString("0.#######", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h|d|w)")]
    private static partial Regex Part();
}
