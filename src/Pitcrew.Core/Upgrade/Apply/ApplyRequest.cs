using Pitcrew.Nodes;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// What pitcrew upgrade apply is asked to do, with its flags already parsed: the target and path, the runbooks, the
/// window and pacing, how to go on from a journal, where the backup and the journal go, and the executor by name.
/// </summary>
internal sealed record ApplyRequest(UpgradeRequest Plan, Runbook Runbook, string StateDir)
{
    public const int DefaultBatchSize = 1;
    public const int DefaultCanary = 1;
    public static readonly TimeSpan DefaultBake = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultDrainTimeout = TimeSpan.FromMinutes(10);

    /// <summary>--releases: the release table file to plan with; null for the built-in one.</summary>
    public string? ReleasesFile { get; init; }

    /// <summary>--force: skippable version rules pass.</summary>
    public bool Force { get; init; }

    /// <summary>--runbook-for groups in the order given; the first whose selector matches a node gives its runbook.</summary>
    public IReadOnlyList<RunbookGroup> RunbookGroups { get; init; } = [];

    public MaintenanceWindow? Window { get; init; }

    public int BatchSize { get; init; } = DefaultBatchSize;

    public int Canary { get; init; } = DefaultCanary;

    /// <remarks>Zero means no bake.</remarks>
    public TimeSpan Bake { get; init; } = DefaultBake;

    /// <remarks>Zero means no limit per zone.</remarks>
    public int MaxPerZone { get; init; }

    /// <summary>--yes: no question before changing the cluster.</summary>
    public bool Yes { get; init; }

    public bool Resume { get; init; }

    /// <summary>--redo: unconfirmed steps to run again, by name or full id.</summary>
    public IReadOnlySet<string> Redo { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    public bool NoBackup { get; init; }

    public bool TakeOverLock { get; init; }

    /// <summary>Where the reports go; null for the state dir.</summary>
    public string? ReportDir { get; init; }

    public TimeSpan GateTimeout { get; init; } = ApplyOptions.DefaultGateTimeout;

    /// <remarks>Zero means no limit.</remarks>
    public TimeSpan DrainTimeout { get; init; } = DefaultDrainTimeout;

    public bool RevisitBlocked { get; init; }

    /// <summary>--plan-only: print the plan, preflight and order of nodes, change nothing.</summary>
    public bool PlanOnly { get; init; }

    /// <summary>The backup store URL (--store or PITCREW_BACKUP_STORE); null when none is given.</summary>
    public string? Store { get; init; }

    /// <summary>The executor's name (ssh, local, sim), as the journal and the way back name it.</summary>
    public string Executor { get; init; } = "ssh";
}

/// <summary>One --runbook-for group: the label selector as given, its test, and its runbook.</summary>
internal sealed record RunbookGroup(string Selector, Func<IReadOnlyDictionary<string, string>, bool> Matches, Runbook Runbook)
{
    /// <summary>Reads LABEL-SELECTOR=RUNBOOK (the last = splits), resolving the runbook.</summary>
    public static RunbookGroup Parse(string text)
    {
        var split = text.LastIndexOf('=');
        if (split <= 0 || split == text.Length - 1)
        {
            throw new PitcrewException($"--runbook-for \"{text}\": want LABEL-SELECTOR=RUNBOOK, e.g. os-family=rhel=dnf", ExitCodes.Usage);
        }

        var runbook = RunbookLoader.Resolve(text[(split + 1)..]);
        return new RunbookGroup(text[..split], LabelSelectorText.Parse(text[..split]), runbook);
    }
}
