using System.CommandLine.Parsing;
using System.Globalization;
using Pitcrew.Backups.Retention;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>restic's --keep-* flags and --time-zone, bound to one <see cref="RetentionPolicy"/>; no --keep-* flag means the default policy.</summary>
internal static class RetentionFlags
{
    public static readonly Option<int> KeepLast = Count("--keep-last", "Keep the N newest backups");
    public static readonly Option<int> KeepHourly = Count("--keep-hourly", "Keep the newest backup of each of the last N hours that have backups");
    public static readonly Option<int> KeepDaily = Count("--keep-daily", "Keep the newest backup of each of the last N days that have backups");
    public static readonly Option<int> KeepWeekly = Count("--keep-weekly", "Keep the newest backup of each of the last N ISO weeks that have backups");
    public static readonly Option<int> KeepMonthly = Count("--keep-monthly", "Keep the newest backup of each of the last N months that have backups");
    public static readonly Option<int> KeepYearly = Count("--keep-yearly", "Keep the newest backup of each of the last N years that have backups");
    public static readonly Option<RetentionSpan?> KeepWithin = Span("--keep-within", "Keep every backup within this span of the newest backup (not of now), e.g. 30d, 1y6m");
    public static readonly Option<RetentionSpan?> KeepWithinHourly = Span("--keep-within-hourly", "Keep the newest backup of each hour within this span of the newest backup");
    public static readonly Option<RetentionSpan?> KeepWithinDaily = Span("--keep-within-daily", "Keep the newest backup of each day within this span of the newest backup");
    public static readonly Option<RetentionSpan?> KeepWithinWeekly = Span("--keep-within-weekly", "Keep the newest backup of each ISO week within this span of the newest backup");
    public static readonly Option<RetentionSpan?> KeepWithinMonthly = Span("--keep-within-monthly", "Keep the newest backup of each month within this span of the newest backup");
    public static readonly Option<RetentionSpan?> KeepWithinYearly = Span("--keep-within-yearly", "Keep the newest backup of each year within this span of the newest backup");

    public static readonly Option<string[]> KeepTag = CliFlag.Of<string[]>("--keep-tag",
        "Keep every backup with this tag (repeatable; a,b means both tags). pre-upgrade is always kept", "TAG[,TAG]").Takes(ArgumentArity.OneOrMore);

    public static readonly Option<TimeZoneInfo?> TimeZone = CliFlag.Of<TimeZoneInfo?>("--time-zone",
        "IANA time zone in which hours, days, weeks, months and years begin, e.g. Asia/Seoul (default UTC)", "ZONE").Parsed(ParseZone);

    private static readonly Option[] KeepOptions =
    [
        KeepLast, KeepHourly, KeepDaily, KeepWeekly, KeepMonthly, KeepYearly,
        KeepWithin, KeepWithinHourly, KeepWithinDaily, KeepWithinWeekly, KeepWithinMonthly, KeepWithinYearly, KeepTag,
    ];

    /// <summary>Every retention flag, for commands that take a policy (prune, run, retention simulate).</summary>
    public static IReadOnlyList<Option> All { get; } = [.. KeepOptions, TimeZone];

    public static void AddTo(Command command) => command.AddAll(All);

    /// <summary>What the flags ask of a store: a whole policy when any --keep-* flag is given, else at most a calendar zone.</summary>
    public static RetentionRequest Request(ParseResult parse) =>
        KeepOptions.Any(o => parse.GetResult(o) is { Implicit: false })
            ? RetentionRequest.Of(Bind(parse))
            : new RetentionRequest(null, parse.GetResult(TimeZone) is { Implicit: false } ? parse.GetValue(TimeZone) : null);

    /// <summary>The policy the flags describe; the default (7 daily, 4 weekly, 12 monthly) when no --keep-* flag is given.</summary>
    public static RetentionPolicy Bind(ParseResult parse)
    {
        var zone = parse.GetValue(TimeZone) ?? TimeZoneInfo.Utc;
        if (!KeepOptions.Any(o => parse.GetResult(o) is { Implicit: false }))
        {
            return RetentionPolicy.SeedDefault with { TimeZone = zone };
        }

        return new RetentionPolicy
        {
            KeepLast = parse.GetValue(KeepLast),
            KeepHourly = parse.GetValue(KeepHourly),
            KeepDaily = parse.GetValue(KeepDaily),
            KeepWeekly = parse.GetValue(KeepWeekly),
            KeepMonthly = parse.GetValue(KeepMonthly),
            KeepYearly = parse.GetValue(KeepYearly),
            KeepWithin = parse.GetValue(KeepWithin),
            KeepWithinHourly = parse.GetValue(KeepWithinHourly),
            KeepWithinDaily = parse.GetValue(KeepWithinDaily),
            KeepWithinWeekly = parse.GetValue(KeepWithinWeekly),
            KeepWithinMonthly = parse.GetValue(KeepWithinMonthly),
            KeepWithinYearly = parse.GetValue(KeepWithinYearly),
            KeepTags = parse.GetValue(KeepTag) ?? [],
            TimeZone = zone,
        };
    }

    private static Option<int> Count(string name, string description) => CliFlag.Of<int>(name, description + " (-1: all)", "N").Parsed(ParseCount);

    private static Option<RetentionSpan?> Span(string name, string description) => CliFlag.Of<RetentionSpan?>(name, description, "SPAN").Parsed(r => CliDurations.Span(r));

    private static int ParseCount(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count) && count >= -1)
        {
            return count;
        }

        result.AddError($"invalid count \"{text}\" for {CliDurations.Flag(result)}: use a whole number, 0 to turn the rule off or -1 for all");
        return 0;
    }

    private static TimeZoneInfo? ParseZone(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (TimeZoneInfo.TryFindSystemTimeZoneById(text, out var zone))
        {
            return zone;
        }

        result.AddError($"unknown time zone \"{text}\" for --time-zone: use an IANA name such as UTC, Europe/Berlin or Asia/Seoul");
        return TimeZoneInfo.Utc;
    }
}
