using System.Text.Json;

namespace Pitcrew.Backups.Retention;

/// <summary>pitcrew-retention.json: a policy in restic's terms (spans as 30d, zones by IANA id), who stored it and when.</summary>
internal sealed record StoredRetentionPolicy(
    int FormatVersion,
    DateTimeOffset SavedAt,
    string SavedBy,
    string Description,
    int KeepLast,
    int KeepHourly,
    int KeepDaily,
    int KeepWeekly,
    int KeepMonthly,
    int KeepYearly,
    string? KeepWithin,
    string? KeepWithinHourly,
    string? KeepWithinDaily,
    string? KeepWithinWeekly,
    string? KeepWithinMonthly,
    string? KeepWithinYearly,
    IReadOnlyList<string>? KeepTags,
    string TimeZone)
{
    public const int CurrentFormat = 1;

    public static StoredRetentionPolicy From(RetentionPolicy p, string savedBy, DateTimeOffset at) => new(
        CurrentFormat, at, savedBy, p.ToString(), p.KeepLast, p.KeepHourly, p.KeepDaily, p.KeepWeekly, p.KeepMonthly, p.KeepYearly,
        p.KeepWithin?.ToString(), p.KeepWithinHourly?.ToString(), p.KeepWithinDaily?.ToString(), p.KeepWithinWeekly?.ToString(),
        p.KeepWithinMonthly?.ToString(), p.KeepWithinYearly?.ToString(), p.KeepTags, p.TimeZone.Id);

    public RetentionPolicy ToPolicy(string where)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone))
        {
            throw new PitcrewException($"{where}: unknown time zone \"{TimeZone}\" in the stored retention policy; prune with --keep-* flags to replace it", ExitCodes.Corrupt);
        }

        return new RetentionPolicy
        {
            KeepLast = KeepLast,
            KeepHourly = KeepHourly,
            KeepDaily = KeepDaily,
            KeepWeekly = KeepWeekly,
            KeepMonthly = KeepMonthly,
            KeepYearly = KeepYearly,
            KeepWithin = Span(KeepWithin, where),
            KeepWithinHourly = Span(KeepWithinHourly, where),
            KeepWithinDaily = Span(KeepWithinDaily, where),
            KeepWithinWeekly = Span(KeepWithinWeekly, where),
            KeepWithinMonthly = Span(KeepWithinMonthly, where),
            KeepWithinYearly = Span(KeepWithinYearly, where),
            KeepTags = KeepTags ?? [],
            TimeZone = zone,
        };
    }

    public static byte[] Serialize(StoredRetentionPolicy policy) => JsonSerializer.SerializeToUtf8Bytes(policy, BackupJson.Default.StoredRetentionPolicy);

    public static StoredRetentionPolicy Read(ReadOnlySpan<byte> json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BackupJson.Default.StoredRetentionPolicy) is { SavedBy: not null, TimeZone: not null } policy
                ? policy
                : throw new PitcrewException($"{where}: not a retention policy", ExitCodes.Corrupt);
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"{where}: unreadable retention policy: {e.Message}", ExitCodes.Corrupt, e);
        }
    }

    private static RetentionSpan? Span(string? text, string where) =>
        text is null ? null
        : RetentionSpan.TryParse(text, out var span) ? span
        : throw new PitcrewException($"{where}: invalid span \"{text}\" in the stored retention policy", ExitCodes.Corrupt);
}
