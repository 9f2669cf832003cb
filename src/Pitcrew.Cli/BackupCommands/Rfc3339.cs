using System.Globalization;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>Formats instants as RFC 3339 in a time zone: 2026-11-23T14:00:00Z in UTC, 2026-11-23T23:00:00+09:00 elsewhere.</summary>
internal static class Rfc3339
{
    public static string Format(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var fraction = local.Ticks % TimeSpan.TicksPerSecond == 0 ? string.Empty : ".fffffff";
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss" + fraction, CultureInfo.InvariantCulture);
        return local.Offset == TimeSpan.Zero ? text + "Z" : text + local.ToString("zzz", CultureInfo.InvariantCulture);
    }
}
