namespace Pitcrew.Upgrade.Apply;

/// <summary>Where apply ended.</summary>
internal enum ApplyStop
{
    /// <summary>The cluster is at the target; <see cref="ApplyResult.Message"/> goes to stdout.</summary>
    UpToDate,

    /// <summary>A version rule blocks the plan; the plan's lines, then the message.</summary>
    PlanBlocked,

    /// <summary>Preflight said no-go (its report was shown).</summary>
    PreflightNoGo,

    /// <summary>--plan-only: the plan and order were shown.</summary>
    PlanOnly,

    OutsideWindow,

    NotConfirmed,

    /// <summary>The stages ran: finished, failed, or stopped by the window; the report says which.</summary>
    Ran,
}

/// <summary>What apply did, for the command to render: where it stopped, its exit code and line, the plan or the report.</summary>
internal sealed record ApplyResult(ApplyStop Stop, int ExitCode, string Message = "")
{
    /// <summary>The plan that blocked (<see cref="ApplyStop.PlanBlocked"/>).</summary>
    public UpgradePlan? Plan { get; init; }

    /// <summary>The report of a run (<see cref="ApplyStop.Ran"/>), and the files it was written to.</summary>
    public UpgradeReport? Report { get; init; }

    public IReadOnlyList<string> Written { get; init; } = [];

    public ApplyEnd End { get; init; }

    /// <summary>When the window opens again, for a run the window stopped.</summary>
    public DateTimeOffset? NextWindow { get; init; }

    public static ApplyResult Blocked(ApplyStop stop, string message) => new(stop, ExitCodes.Blocked, message);
}
