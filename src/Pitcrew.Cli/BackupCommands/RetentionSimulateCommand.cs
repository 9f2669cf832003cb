using Pitcrew.Backups.Retention;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup retention simulate: the retention policy over a synthetic history.</summary>
internal static class RetentionSimulateCommand
{
    private static readonly Option<TimeSpan> Every = CliFlag.Of<TimeSpan>("--every", "One backup every period: 15m (minutes), 1h, 1d, 1w", "PERIOD")
        .Parsed(CliDurations.Period).Mandatory();

    private static readonly Option<RetentionSpan> For = CliFlag.Of<RetentionSpan>("--for", "How far back the history goes: 400d, 2y, 6m (months)", "SPAN")
        .Parsed(CliDurations.Span).Mandatory();

    private static readonly Option<DateTimeOffset?> Until = CliFlag.Of<DateTimeOffset?>("--until", "The newest backup's time, RFC 3339 (default: now)", "TIME")
        .Parsed(r => CliDurations.Time(r));

    private static readonly Option<TaggedTime[]> TagAt = CliFlag.Of<TaggedTime[]>("--tag-at",
            "One more backup at TIME carrying TAG (repeatable), e.g. 2026-11-20T03:00:00Z=pre-upgrade", "TIME=TAG")
        .Takes(ArgumentArity.OneOrMore)
        .Parsed(r => [.. r.Tokens.Select(t => TaggedTime.TryParse(t.Value, out var tagged) ? tagged! : Invalid(r, t.Value))]);

    public static Command Create(CliContext context)
    {
        var command = new Command("simulate") { Every, For, Until, TagAt }.Describe(
            "Show which backups a policy would keep over a synthetic history, before trusting it",
            """
            Builds one backup every --every over --for ending at --until (default now), adds one backup per --tag-at,
            and runs the same policy prune uses (restic's forget semantics, pre-upgrade kept forever, the newest verified
            backup never deleted). Prints how many each rule keeps and every kept backup with its reasons; -o json lists
            every simulated backup. Without --keep-* flags the policy is the default: 7 daily, 4 weekly, 12 monthly.
            """,
            """
            pitcrew etcd backup retention simulate --every 1h --for 400d
            pitcrew etcd backup retention simulate --every 1h --for 400d --keep-hourly 24 --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --keep-yearly -1
            pitcrew etcd backup retention simulate --every 6h --for 90d --until 2026-12-01T00:00:00Z --tag-at 2026-10-02T09:30:00Z=pre-upgrade -o json
            """);
        RetentionFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(parse =>
        {
            var policy = RetentionFlags.Bind(parse);
            var until = parse.GetValue(Until) ?? Truncate(context.Time.GetUtcNow());
            var simulation = new RetentionSimulation(parse.GetValue(Every), parse.GetValue(For), until, parse.GetValue(TagAt) ?? []);
            if (RetentionSimulator.Count(simulation, policy.TimeZone) is var count && count > RetentionSimulation.MaxBackups)
            {
                throw new PitcrewException(RetentionSimulator.TooLarge(count), ExitCodes.Usage);
            }

            var decisions = RetentionSimulator.Run(simulation, policy);

            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), SimulatedBackups.From(decisions, policy.TimeZone)))
            {
                RetentionRenderer.Simulation(context.RawOut, simulation, policy, decisions);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static DateTimeOffset Truncate(DateTimeOffset now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), now.Offset);

    private static TaggedTime Invalid(System.CommandLine.Parsing.ArgumentResult result, string text)
    {
        result.AddError($"invalid value \"{text}\" for --tag-at: use TIME=TAG such as 2026-11-20T03:00:00Z=pre-upgrade");
        return new TaggedTime(default, string.Empty);
    }
}

/// <summary>The -o json shape of a simulation: every simulated backup, newest first.</summary>
internal sealed record SimulatedBackups(IReadOnlyList<SimulatedBackup> Backups)
{
    public static SimulatedBackups From(IReadOnlyList<RetentionDecision> decisions, TimeZoneInfo zone) =>
        new([.. decisions.Select(d => new SimulatedBackup(Rfc3339.Format(d.Backup.CreatedAt, zone), d.Backup.Tags, d.Keep, d.Reasons))]);
}

/// <summary>One simulated backup: its time, tags, whether it is kept and why.</summary>
internal sealed record SimulatedBackup(string Time, IReadOnlyList<string> Tags, bool Keep, IReadOnlyList<string> Reasons);
