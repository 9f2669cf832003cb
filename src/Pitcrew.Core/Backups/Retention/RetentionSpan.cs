using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pitcrew.Backups.Retention;

/// <summary>A calendar span as restic's <c>--keep-within</c> takes it: years, months, days and hours, such as 1y2m3d4h.</summary>
/// <remarks>
/// Subtracted as Go's <c>AddDate(-y, -m, -d)</c> then hours, in the policy's time zone, so "1m" before 31 March is
/// 3 March (Go normalises 31 February) and "1d" across a daylight-saving change is a calendar day.
/// </remarks>
public readonly partial record struct RetentionSpan(int Years, int Months, int Days, int Hours)
{
    /// <summary>True when every part is zero.</summary>
    public bool IsZero => Years == 0 && Months == 0 && Days == 0 && Hours == 0;

    /// <summary>Whole days and hours of a time span (anything under an hour is dropped, as restic counts hours at most).</summary>
    public static implicit operator RetentionSpan(TimeSpan span) => FromTimeSpan(span);

    /// <summary>Whole days and hours of a time span.</summary>
    public static RetentionSpan FromTimeSpan(TimeSpan span) => new(0, 0, span.Days, span.Hours);

    /// <summary>
    /// Parses restic's form: numbers each followed by y (years), m (months), w (weeks, 7 days), d (days) or h (hours),
    /// largest first or in any order, such as 30d, 2w, 1y2m3d4h.
    /// </summary>
    public static bool TryParse(string? text, out RetentionSpan span)
    {
        span = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var matches = Part().Matches(text);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != text.Length)
        {
            return false;
        }

        long years = 0, months = 0, days = 0, hours = 0;
        foreach (Match match in matches)
        {
            if (!long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > int.MaxValue)
            {
                return false;
            }

            switch (match.Groups[2].Value)
            {
                case "y": years += value; break;
                case "m": months += value; break;
                case "w": days += 7 * value; break;
                case "d": days += value; break;
                default: hours += value; break;
            }
        }

        if (years > 10_000 || months > 120_000 || days > 3_660_000 || hours > 87_840_000)
        {
            return false;
        }

        span = new RetentionSpan((int)years, (int)months, (int)days, (int)hours);
        return true;
    }

    /// <summary>The instant this span before <paramref name="instant"/>, counting calendar parts in <paramref name="zone"/>.</summary>
    public DateTimeOffset Before(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone).DateTime;
        var year = local.Year - Years;
        var month = local.Month - Months;
        var day = local.Day - Days;

        // Go's AddDate: normalise month and day overflow instead of clamping, from the first of the month.
        var totalMonths = ((long)year * 12) + (month - 1);
        var normalisedYear = (int)Math.Floor(totalMonths / 12.0);
        var normalisedMonth = (int)(totalMonths - (normalisedYear * 12L)) + 1;
        if (normalisedYear < 1)
        {
            return DateTimeOffset.MinValue;
        }

        var firstOfMonth = new DateTime(normalisedYear, normalisedMonth, 1, 0, 0, 0, DateTimeKind.Unspecified);
        if ((firstOfMonth - DateTime.MinValue).TotalDays + day - 1 < 1)
        {
            return DateTimeOffset.MinValue;
        }

        var shifted = firstOfMonth.AddDays(day - 1).Add(local.TimeOfDay);
        var result = new DateTimeOffset(shifted, zone.GetUtcOffset(shifted));
        return result.AddHours(-Hours);
    }

    /// <summary>restic's spelling: 1y2m3d4h, 30d, 0h for zero.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        Append(text, Years, 'y');
        Append(text, Months, 'm');
        Append(text, Days, 'd');
        Append(text, Hours, 'h');
        return text.Length == 0 ? "0h" : text.ToString();
    }

    private static void Append(StringBuilder text, int value, char unit)
    {
        if (value != 0)
        {
            text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
        }
    }

    [GeneratedRegex("([0-9]+)([ymwdh])")]
    private static partial Regex Part();
}
