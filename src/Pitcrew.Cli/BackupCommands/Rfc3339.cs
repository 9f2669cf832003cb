using System.Globalization;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>Formats instants as RFC 3339 in a time zone (2026-11-23T14:00:00Z in UTC, 2026-11-23T23:00:00+09:00 elsewhere); parses a point-in-time flag pair.</summary>
internal static class Rfc3339
{
    public static string Format(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        var fraction = local.Ticks % TimeSpan.TicksPerSecond == 0 ? string.Empty : ".fffffff";
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss" + fraction, CultureInfo.InvariantCulture);
        return local.Offset == TimeSpan.Zero ? text + "Z" : text + local.ToString("zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>--revision N or --at TIME naming a point: one of them, a positive revision, an RFC 3339 time (exit 2 otherwise).</summary>
    public static (long? Revision, DateTimeOffset? At) Point(long? revision, string? at)
    {
        if (revision is not null && at is not null)
        {
            throw new PitcrewException("--revision and --at name the point twice: give one", ExitCodes.Usage);
        }

        if (revision is <= 0)
        {
            throw new PitcrewException($"--revision must be positive, not {revision}", ExitCodes.Usage);
        }

        if (at is null)
        {
            return (revision, null);
        }

        return DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment)
            ? (null, moment)
            : throw new PitcrewException($"--at \"{at}\": want an RFC 3339 time such as 2026-12-08T09:41:00Z", ExitCodes.Usage);
    }
}
