using System.Globalization;

namespace Pitcrew.Backups.Retention;

/// <summary>An extra simulated backup: TIME=TAG, such as 2026-11-20T03:00:00Z=pre-upgrade.</summary>
public sealed record TaggedTime(DateTimeOffset Time, string Tag)
{
    /// <summary>Parses TIME=TAG; TIME as <see cref="TryParseTime"/> reads it, TAG not empty.</summary>
    public static bool TryParse(string? text, out TaggedTime? tagged)
    {
        tagged = null;
        var equals = text?.IndexOf('=', StringComparison.Ordinal) ?? -1;
        if (text is null || equals <= 0 || equals == text.Length - 1 || !TryParseTime(text[..equals], out var time))
        {
            return false;
        }

        tagged = new TaggedTime(time, text[(equals + 1)..]);
        return true;
    }

    /// <summary>RFC 3339 (2026-11-20T03:00:00Z, +09:00 offsets) or a bare date or date and time, read as UTC.</summary>
    public static bool TryParseTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
}
