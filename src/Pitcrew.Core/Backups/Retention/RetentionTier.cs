using System.Globalization;

namespace Pitcrew.Backups.Retention;

/// <summary>The calendar buckets restic counts: hour, day, ISO week, month and year of a backup's local time.</summary>
internal enum RetentionTier
{
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// <summary>Bucket keys (ordered numbers such as 2026112314) and their human labels.</summary>
internal static class RetentionTiers
{
    public static readonly RetentionTier[] All = [RetentionTier.Hourly, RetentionTier.Daily, RetentionTier.Weekly, RetentionTier.Monthly, RetentionTier.Yearly];

    public static long Key(RetentionTier tier, DateTime local) => tier switch
    {
        RetentionTier.Hourly => (local.Year * 1_000_000L) + (local.Month * 10_000L) + (local.Day * 100L) + local.Hour,
        RetentionTier.Daily => (local.Year * 10_000L) + (local.Month * 100L) + local.Day,
        RetentionTier.Weekly => (ISOWeek.GetYear(local) * 100L) + ISOWeek.GetWeekOfYear(local),
        RetentionTier.Monthly => (local.Year * 100L) + local.Month,
        _ => local.Year,
    };

    /// <summary>"2026-11-23 14:00", "2026-11-23", "ISO week 2026-W47", "2026-11", "2026".</summary>
    public static string Label(RetentionTier tier, DateTime local) => tier switch
    {
        RetentionTier.Hourly => local.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture),
        RetentionTier.Daily => local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        RetentionTier.Weekly => string.Create(CultureInfo.InvariantCulture, $"ISO week {ISOWeek.GetYear(local):0000}-W{ISOWeek.GetWeekOfYear(local):00}"),
        RetentionTier.Monthly => local.ToString("yyyy-MM", CultureInfo.InvariantCulture),
        _ => local.ToString("yyyy", CultureInfo.InvariantCulture),
    };

    public static string Name(RetentionTier tier) => tier switch
    {
        RetentionTier.Hourly => "hourly",
        RetentionTier.Daily => "daily",
        RetentionTier.Weekly => "weekly",
        RetentionTier.Monthly => "monthly",
        _ => "yearly",
    };

    public static string Unit(RetentionTier tier) => tier switch
    {
        RetentionTier.Hourly => "hours",
        RetentionTier.Daily => "days",
        RetentionTier.Weekly => "weeks",
        RetentionTier.Monthly => "months",
        _ => "years",
    };

    public static int Count(RetentionPolicy policy, RetentionTier tier) => tier switch
    {
        RetentionTier.Hourly => policy.KeepHourly,
        RetentionTier.Daily => policy.KeepDaily,
        RetentionTier.Weekly => policy.KeepWeekly,
        RetentionTier.Monthly => policy.KeepMonthly,
        _ => policy.KeepYearly,
    };

    public static RetentionSpan? Within(RetentionPolicy policy, RetentionTier tier) => tier switch
    {
        RetentionTier.Hourly => policy.KeepWithinHourly,
        RetentionTier.Daily => policy.KeepWithinDaily,
        RetentionTier.Weekly => policy.KeepWithinWeekly,
        RetentionTier.Monthly => policy.KeepWithinMonthly,
        _ => policy.KeepWithinYearly,
    };
}
