using System.CommandLine.Parsing;
using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>The flags of pitcrew upgrade apply beyond those it shares with plan, backups and the node executors.</summary>
internal static class ApplyFlags
{
    public static readonly Option<int> BatchSize = new("--batch-size") { Description = "Workers upgraded at once after the canaries", DefaultValueFactory = _ => ApplyRequest.DefaultBatchSize };

    public static readonly Option<int> Canary = new("--canary")
    {
        Description = "Workers upgraded first, one at a time, then baked (nodes labelled pitcrew.dev/canary go first)",
        DefaultValueFactory = _ => ApplyRequest.DefaultCanary,
    };

    public static readonly Option<TimeSpan> Bake = Duration("--bake", "How long to watch the canaries before the other workers (0 for none)", ApplyRequest.DefaultBake);

    public static readonly Option<int> MaxPerZone = new("--max-unavailable-per-zone")
    {
        Description = "At most this many nodes of one zone (topology.kubernetes.io/zone) at once; 0 for no limit",
        DefaultValueFactory = _ => 0,
    };

    public static readonly Option<string?> Window = new("--window")
    {
        Description = "Start nodes only inside this window: DAYS HH:MM-HH:MM [TIME-ZONE], e.g. \"Sat 01:00-05:00 Asia/Seoul\"",
        HelpName = "WINDOW",
    };

    public static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do not ask before changing the cluster" };

    public static readonly Option<bool> Resume = new("--resume") { Description = "Go on from the journal of an interrupted or failed run" };

    public static readonly Option<string[]> Redo = new("--redo")
    {
        Description = "With --resume: run this unconfirmed step again (its name, e.g. kubeadm-apply, or its full id); repeatable",
        Arity = ArgumentArity.OneOrMore,
        HelpName = "STEP",
    };

    public static readonly Option<bool> NoBackup = new("--no-backup") { Description = "Upgrade without a pre-upgrade etcd backup (there is then no snapshot to go back to)" };

    public static readonly Option<bool> TakeOverLock = new("--take-over-lock") { Description = "Take the cluster lock from a run that looks dead (not renewed, or its process gone)" };

    public static readonly Option<string?> StateDir = new("--state-dir")
    {
        Description = "Where the journal goes (default $XDG_STATE_HOME/pitcrew or ~/.local/state/pitcrew)",
        HelpName = "DIR",
    };

    public static readonly Option<string?> ReportDir = new("--report-dir") { Description = "Where the JSON, Markdown and HTML reports go (default: the state dir)", HelpName = "DIR" };

    public static readonly Option<TimeSpan> GateTimeout = Duration("--gate-timeout", "How long a node may take to pass its health gates", ApplyOptions.DefaultGateTimeout);

    public static readonly Option<TimeSpan> DrainTimeout = Duration("--drain-timeout", "How long one node's drain may take (0 for no limit)", ApplyRequest.DefaultDrainTimeout);

    public static readonly Option<bool> RevisitBlocked = new("--revisit-blocked")
    {
        Description = "A batch worker whose drain does not finish within --drain-timeout goes back into service and is tried again after the other workers of its minor (a second failure stops the run)",
    };

    public static readonly Option<string[]> RunbookFor = new("--runbook-for")
    {
        Description = "Another runbook for a node group: LABEL-SELECTOR=RUNBOOK (apt, dnf, yum or a file), e.g. os-family=rhel=dnf; repeatable, first match wins",
        Arity = ArgumentArity.OneOrMore,
        HelpName = "SELECTOR=RUNBOOK",
    };

    public static readonly Option<bool> PlanOnly = new("--plan-only") { Description = "Print the plan, preflight and order of nodes, then exit; changes nothing" };

    public static IEnumerable<Option> All =>
        [BatchSize, Canary, Bake, MaxPerZone, Window, Yes, Resume, Redo, NoBackup, TakeOverLock, StateDir, ReportDir, GateTimeout, DrainTimeout, RevisitBlocked, RunbookFor, PlanOnly];

    /// <summary>The request the flags make: parsed (window, runbooks, groups) in the order their errors are reported.</summary>
    public static ApplyRequest Bind(ParseResult parse, CliContext context)
    {
        var stateDir = Path.GetFullPath(parse.GetValue(StateDir) ?? ExecutorFlags.DefaultStateDir(context));
        var window = parse.GetValue(Window) is { } windowText ? MaintenanceWindow.Parse(windowText) : null;
        var runbook = RunbookLoader.Resolve(parse.GetValue(PlanCommand.RunbookOption)!);
        List<RunbookGroup> groups = [.. (parse.GetValue(RunbookFor) ?? []).Select(RunbookGroup.Parse)];
        return new ApplyRequest(PlanCommand.Request(parse), runbook, stateDir)
        {
            ReleasesFile = parse.GetValue(PlanCommand.Releases),
            Force = parse.GetValue(PlanCommand.Force),
            RunbookGroups = groups,
            Window = window,
            BatchSize = parse.GetValue(BatchSize),
            Canary = parse.GetValue(Canary),
            Bake = parse.GetValue(Bake),
            MaxPerZone = parse.GetValue(MaxPerZone),
            Yes = parse.GetValue(Yes),
            Resume = parse.GetValue(Resume),
            Redo = new HashSet<string>(parse.GetValue(Redo) ?? [], StringComparer.Ordinal),
            NoBackup = parse.GetValue(NoBackup),
            TakeOverLock = parse.GetValue(TakeOverLock),
            ReportDir = parse.GetValue(ReportDir),
            GateTimeout = parse.GetValue(GateTimeout),
            DrainTimeout = parse.GetValue(DrainTimeout),
            RevisitBlocked = parse.GetValue(RevisitBlocked),
            PlanOnly = parse.GetValue(PlanOnly),
            Store = parse.GetValue(BackupStoreFlags.Store) ?? context.Environment("PITCREW_BACKUP_STORE"),
            Executor = parse.GetValue(ExecutorFlags.Executor)!,
        };
    }

    private static Option<TimeSpan> Duration(string name, string description, TimeSpan fallback) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        DefaultValueFactory = _ => fallback,
        CustomParser = ParseDuration,
    };

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (GoDuration.TryParse(text, out var period, daysAndWeeks: true))
        {
            return period;
        }

        result.AddError($"invalid duration \"{text}\" for {CliDurations.Flag(result)}: use e.g. 30s, 5m or 1h");
        return TimeSpan.Zero;
    }
}
