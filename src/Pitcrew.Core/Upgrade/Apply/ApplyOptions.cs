using Pitcrew.Nodes;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// How apply performs the stages: the runbook (and the node groups that use another), the bake after the canaries, the
/// window, gate and drain limits, the steps to run again.
/// </summary>
internal sealed record ApplyOptions(
    Runbook Runbook,
    TimeSpan Bake,
    MaintenanceWindow? Window,
    TimeSpan GateTimeout,
    DrainOptions Drain,
    IReadOnlySet<string> Redo)
{
    public static readonly TimeSpan DefaultGateTimeout = TimeSpan.FromMinutes(5);

    /// <summary>How often gates and the bake look at the cluster.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Nodes whose group has its own runbook (--runbook-for), by name; the others use <see cref="Runbook"/>.</summary>
    public IReadOnlyDictionary<string, Runbook> NodeRunbooks { get; init; } = new Dictionary<string, Runbook>(StringComparer.Ordinal);

    public Runbook RunbookOf(string node) => NodeRunbooks.GetValueOrDefault(node) ?? Runbook;

    /// <summary>
    /// --revisit-blocked: a batch worker whose drain does not finish is put back into service and tried again, one at a
    /// time, after the other workers of its minor; only a second failed drain stops the run.
    /// </summary>
    public bool RevisitBlocked { get; init; }
}
