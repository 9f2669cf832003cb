using System.Globalization;
using Pitcrew.Backups.Retention;

namespace Pitcrew.Tests.Backups.Retention;

/// <summary>Typed builders for retention histories: fixed instants, regular and irregular series, tags and verification.</summary>
internal static class Backups
{
    /// <summary>A verified, untagged backup at an RFC 3339 time, named by it.</summary>
    public static RetentionCandidate At(string time, params string[] tags) =>
        new(Name(Time(time)), Time(time), tags, Verified: true);

    public static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>One verified backup every <paramref name="every"/> from <paramref name="from"/> through <paramref name="until"/>.</summary>
    public static List<RetentionCandidate> Every(TimeSpan every, string from, string until)
    {
        var list = new List<RetentionCandidate>();
        for (var t = Time(from); t <= Time(until); t += every)
        {
            list.Add(new RetentionCandidate(Name(t), t, [], Verified: true));
        }

        return list;
    }

    public static RetentionCandidate Unverified(this RetentionCandidate backup) => backup with { Verified = false };

    public static RetentionCandidate Tagged(this RetentionCandidate backup, params string[] tags) => backup with { Tags = tags };

    public static string Name(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    /// <summary>The kept backups' UTC times, newest first, as "yyyy-MM-ddTHH:mm".</summary>
    public static string[] KeptTimes(IEnumerable<RetentionDecision> decisions) =>
        [.. decisions.Where(d => d.Keep).Select(d => d.Backup.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture))];

    public static RetentionSpan Span(string text) =>
        RetentionSpan.TryParse(text, out var span) ? span : throw new ArgumentException($"bad span {text}", nameof(text));
}
