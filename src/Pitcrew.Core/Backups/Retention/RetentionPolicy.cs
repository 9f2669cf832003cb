namespace Pitcrew.Backups.Retention;

/// <summary>
/// Which backups to keep, as restic's <c>forget</c> options: the newest backup of each of the last N hours, days,
/// ISO weeks, months and years that have backups, the last N, those within a span of the newest, and those tagged.
/// </summary>
/// <remarks>
/// Counts: 0 turns a rule off, -1 keeps every bucket (restic's "unlimited"). Calendar buckets are taken in
/// <see cref="TimeZone"/>. Backups tagged <c>pre-upgrade</c> and the newest verified backup are kept by the planner
/// whatever the policy says.
/// </remarks>
public sealed record RetentionPolicy
{
    /// <summary>The tag whose backups are kept forever unless named explicitly.</summary>
    public const string PreUpgradeTag = "pre-upgrade";

    /// <summary>Keep the N newest backups.</summary>
    public int KeepLast { get; init; }

    /// <summary>Keep the newest backup of each of the last N hours that have backups.</summary>
    public int KeepHourly { get; init; }

    /// <summary>Keep the newest backup of each of the last N days that have backups.</summary>
    public int KeepDaily { get; init; }

    /// <summary>Keep the newest backup of each of the last N ISO weeks that have backups.</summary>
    public int KeepWeekly { get; init; }

    /// <summary>Keep the newest backup of each of the last N months that have backups.</summary>
    public int KeepMonthly { get; init; }

    /// <summary>Keep the newest backup of each of the last N years that have backups.</summary>
    public int KeepYearly { get; init; }

    /// <summary>Keep every backup taken within this span before the newest backup (not before now).</summary>
    public RetentionSpan? KeepWithin { get; init; }

    /// <summary>Keep the newest backup of each hour within this span of the newest backup.</summary>
    public RetentionSpan? KeepWithinHourly { get; init; }

    /// <summary>Keep the newest backup of each day within this span of the newest backup.</summary>
    public RetentionSpan? KeepWithinDaily { get; init; }

    /// <summary>Keep the newest backup of each ISO week within this span of the newest backup.</summary>
    public RetentionSpan? KeepWithinWeekly { get; init; }

    /// <summary>Keep the newest backup of each month within this span of the newest backup.</summary>
    public RetentionSpan? KeepWithinMonthly { get; init; }

    /// <summary>Keep the newest backup of each year within this span of the newest backup.</summary>
    public RetentionSpan? KeepWithinYearly { get; init; }

    /// <summary>Keep every backup carrying one of these tags; "a,b" means carrying both a and b, "" means untagged (as restic).</summary>
    public IReadOnlyList<string> KeepTags { get; init; } = [];

    /// <summary>The calendar in which hours, days, weeks, months and years begin.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The seed's strategy table: 7 daily, 4 weekly, 12 monthly (pre-upgrade forever is built in).</summary>
    public static RetentionPolicy SeedDefault { get; } = new() { KeepDaily = 7, KeepWeekly = 4, KeepMonthly = 12 };

    /// <summary>True when no keep rule is set; the planner then removes nothing (as restic refuses to).</summary>
    public bool IsEmpty =>
        KeepLast == 0 && KeepHourly == 0 && KeepDaily == 0 && KeepWeekly == 0 && KeepMonthly == 0 && KeepYearly == 0
        && KeepWithin is null && KeepWithinHourly is null && KeepWithinDaily is null && KeepWithinWeekly is null
        && KeepWithinMonthly is null && KeepWithinYearly is null && KeepTags.Count == 0;

    /// <summary>One line in restic's words: "keep 7 daily, 4 weekly, 12 monthly backups".</summary>
    public override string ToString() => RetentionPolicyText.Describe(this);
}
