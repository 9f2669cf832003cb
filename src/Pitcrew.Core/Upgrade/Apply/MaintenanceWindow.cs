using System.Globalization;
using System.Text.RegularExpressions;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// When work may start: days of the week, a local start and end time (an end before the start crosses midnight) and
/// a time zone, e.g. "Sat 01:00-05:00 Asia/Seoul", "Mon-Fri 22:00-02:00 UTC", "daily 00:00-06:00". A node already
/// under way finishes; no new node starts once the window has closed.
/// </summary>
internal sealed partial record MaintenanceWindow(IReadOnlySet<DayOfWeek> Days, TimeOnly From, TimeOnly To, TimeZoneInfo Zone, string Text)
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    public static MaintenanceWindow Parse(string text)
    {
        var match = Shape().Match(text.Trim());
        if (!match.Success)
        {
            throw Bad(text, "want DAYS HH:MM-HH:MM [TIME-ZONE], e.g. \"Sat 01:00-05:00 Asia/Seoul\" or \"Mon-Fri 22:00-02:00 UTC\"");
        }

        var days = ParseDays(text, match.Groups["days"].Value);
        var from = ParseTime(text, match.Groups["from"].Value);
        var to = ParseTime(text, match.Groups["to"].Value);
        if (from == to)
        {
            throw Bad(text, "the window starts and ends at the same time");
        }

        var zoneName = match.Groups["zone"].Success ? match.Groups["zone"].Value : "UTC";
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(zoneName);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw Bad(text, TimeZoneInfo.GetSystemTimeZones().Count <= 1
                ? $"unknown time zone \"{zoneName}\": this machine has no time zone database (install tzdata, or set TZDIR to one); UTC works without it"
                : $"unknown time zone \"{zoneName}\" (use an IANA name such as Asia/Seoul, Europe/Berlin or UTC)");
        }

        return new MaintenanceWindow(days, from, to, zone, text.Trim());
    }

    /// <summary>When the window that is open at <paramref name="now"/> closes; null when none is open.</summary>
    public DateTimeOffset? OpenUntil(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
        foreach (var day in new[] { today.AddDays(-1), today })
        {
            var (start, end) = Occurrence(day);
            if (Days.Contains(day.DayOfWeek) && start <= now && now < end)
            {
                return end;
            }
        }

        return null;
    }

    /// <summary>The next time the window opens after <paramref name="now"/>.</summary>
    public DateTimeOffset NextOpening(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
        for (var offset = 0; offset <= 8; offset++)
        {
            var day = today.AddDays(offset);
            var (start, _) = Occurrence(day);
            if (Days.Contains(day.DayOfWeek) && start > now)
            {
                return start;
            }
        }

        throw new InvalidOperationException("a window with at least one day opens within eight days");
    }

    public override string ToString() => Text;

    private (DateTimeOffset Start, DateTimeOffset End) Occurrence(DateOnly day)
    {
        var start = Utc(day.ToDateTime(From));
        var end = Utc((To > From ? day : day.AddDays(1)).ToDateTime(To));
        return (start, end);
    }

    /// <summary>A local wall time as an instant; a time skipped by a clock change counts from the hour after.</summary>
    private DateTimeOffset Utc(DateTime local)
    {
        var unspecified = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (Zone.IsInvalidTime(unspecified))
        {
            unspecified = unspecified.AddHours(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(unspecified, Zone), TimeSpan.Zero);
    }

    private static HashSet<DayOfWeek> ParseDays(string text, string days)
    {
        var set = new HashSet<DayOfWeek>();
        if (days.Equals("daily", StringComparison.OrdinalIgnoreCase) || days == "*")
        {
            set.UnionWith(Enum.GetValues<DayOfWeek>());
            return set;
        }

        foreach (var part in days.Split(','))
        {
            var range = part.Split('-');
            var first = Day(text, range[0]);
            var last = range.Length == 2 ? Day(text, range[1]) : first;
            for (var day = first; ; day = (DayOfWeek)(((int)day + 1) % 7))
            {
                set.Add(day);
                if (day == last)
                {
                    break;
                }
            }
        }

        return set;
    }

    private static DayOfWeek Day(string text, string name)
    {
        var index = Array.IndexOf(DayNames, name.Length >= 3 ? name[..3].ToLowerInvariant() : name.ToLowerInvariant());
        return index >= 0 ? (DayOfWeek)index : throw Bad(text, $"\"{name}\" is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun, daily)");
    }

    private static TimeOnly ParseTime(string text, string value) =>
        TimeOnly.TryParseExact(value, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)
            ? time
            : value == "24:00" ? TimeOnly.MinValue : throw Bad(text, $"\"{value}\" is not a time of day (HH:MM)");

    private static PitcrewException Bad(string text, string why) => new($"--window \"{text}\": {why}", ExitCodes.Usage);

    [GeneratedRegex(@"^(?<days>[A-Za-z*,\-]+)\s+(?<from>\d{1,2}:\d{2})-(?<to>\d{1,2}:\d{2})(?:\s+(?<zone>\S+))?$")]
    private static partial Regex Shape();
}
