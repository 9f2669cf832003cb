using Pitcrew.Upgrade.Preflight;

namespace Pitcrew.Upgrade.Apply;

/// <summary>What apply shows and asks as it goes, beyond its result: the command renders these on stderr.</summary>
internal interface IApplyConsole
{
    /// <summary>Timestamped lines and step changes.</summary>
    IUpgradeProgress Progress { get; }

    /// <summary>A plain line.</summary>
    void Say(string line);

    /// <summary>The preflight report, before the run goes on or stops on it.</summary>
    void Preflight(PreflightReport report);

    /// <summary>Asks the operator to go on; false when they do not (or cannot be asked).</summary>
    bool Confirm(UpgradeJournal journal);

    /// <summary>Runs the stages while showing their progress (a live table of <paramref name="nodes"/>, or the plain lines).</summary>
    Task<ApplyOutcome> WatchAsync(IReadOnlyList<string> nodes, Func<IUpgradeProgress, Task<ApplyOutcome>> run);
}
