using System.Globalization;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Releases;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// apply's decisions before it changes anything, as pure functions of the request and the facts read first: whether the
/// request can run at all, what the journal found means, whether the window is open, the backup line of preflight and
/// what to do about the pre-upgrade backup.
/// </summary>
internal static class ApplyDecisions
{
    /// <summary>The journal step of the pre-upgrade backup.</summary>
    public const string BackupStep = "backup";

    /// <summary>Why the request cannot run (a usage error), or null.</summary>
    public static string? Problem(ApplyRequest request)
    {
        if (request.Store is null && !request.NoBackup && !request.PlanOnly)
        {
            return "give --store URL for the pre-upgrade etcd backup (with etcd's --endpoints and certificates), or --no-backup to upgrade without a way back";
        }

        return request.BatchSize < 1 || request.Canary < 0 || request.MaxPerZone < 0
            ? "--batch-size must be at least 1, --canary and --max-unavailable-per-zone at least 0"
            : null;
    }

    /// <summary>What the journal found (the state dir's, else the cluster's copy; null for none) means for this run.</summary>
    public static ApplyStart Start(ApplyRequest request, UpgradeJournal? found, ReleaseTable releases)
    {
        if (request.Resume)
        {
            if (found is null)
            {
                return new(ApplyStartKind.Refuse, $"--resume: no upgrade journal in {request.StateDir} nor in configmap kube-system/{UpgradeJournal.ConfigMapName}", null, ExitCodes.Usage);
            }

            if (found.Finished)
            {
                return new(ApplyStartKind.Refuse, $"--resume: the upgrade {found.RunId} to {found.Target} finished", "nothing to resume", ExitCodes.Usage);
            }

            if (request.Plan.To is { } to && UpgradePlanner.ResolveTarget(to, releases, KubeVersion.Parse(found.From)).Text != found.Target)
            {
                return new(ApplyStartKind.Refuse, $"--resume: the journal upgrades to {found.Target}, not {to}", null, ExitCodes.Usage);
            }

            return new(ApplyStartKind.Resume, $"resuming upgrade {found.RunId}: {found.From} -> {found.Target} ({DoneSteps(found)} steps done)",
                "drop --resume and set the journal aside to start over");
        }

        if (found is null)
        {
            return new(ApplyStartKind.Start, "no upgrade is journaled");
        }

        if (found.Finished)
        {
            return new(ApplyStartKind.Start, $"the journaled upgrade {found.RunId} to {found.Target} finished");
        }

        if (request.PlanOnly)
        {
            return new(ApplyStartKind.Start, $"--plan-only: the unfinished upgrade {found.RunId} is left as it is", "add --resume to see the order it goes on in");
        }

        if (found.Entries.All(e => e.Node is null))
        {
            // It stopped before any node (its backup failed, or it was interrupted first): nothing to resume, start over.
            var last = found.Entries.Count > 0 ? found.Entries[^1] : null;
            return new(ApplyStartKind.Restart,
                $"the unfinished upgrade {found.RunId} touched no node{(last is null ? string.Empty : $" (its last step: {last.Step} {last.State.ToString().ToLowerInvariant()})")}",
                "add --resume to go on from its journal instead");
        }

        return new(ApplyStartKind.Refuse, $"an unfinished upgrade {found.RunId} to {found.Target} is journaled ({DoneSteps(found)} steps done)",
            $"add --resume to go on, or move {Path.Combine(request.StateDir, UpgradeJournal.FileName)} and the configmap kube-system/{UpgradeJournal.ConfigMapName} aside to start over",
            ExitCodes.Blocked);
    }

    /// <summary>The line that stops a run started outside its maintenance window, or null when there is no window or it is open.</summary>
    public static string? OutsideWindow(MaintenanceWindow? window, DateTimeOffset now) =>
        window is not null && window.OpenUntil(now) is null
            ? string.Create(CultureInfo.InvariantCulture, $"outside the maintenance window \"{window}\": it next opens {window.NextOpening(now):yyyy-MM-dd HH:mm} UTC; nothing was changed")
            : null;

    /// <summary>
    /// The backup line of apply's preflight: the run takes its own backup, so it passes when the etcd it takes it from
    /// answers, fails when not, and warns when the run goes without one.
    /// </summary>
    public static PreflightCheck BackupCheck(ApplyRequest request, SafetyFacts safety)
    {
        if (request.NoBackup)
        {
            return new(SafetyChecks.BackupName, PreflightVerdict.Warn, "--no-backup: the run takes no pre-upgrade snapshot", "drop --no-backup and give --store URL to have a way back");
        }

        return safety.EtcdAnswer is { Answers: false } down
            ? new(SafetyChecks.BackupName, PreflightVerdict.Fail, $"the run would take a pre-upgrade backup into {request.Store}, but {down.Evidence}",
                $"{SafetyChecks.EtcdRemedy}, or --no-backup to go without a way back")
            : new(SafetyChecks.BackupName, PreflightVerdict.Pass,
                $"the run takes a pre-upgrade backup into {request.Store} before touching any node{(safety.EtcdAnswer is { } up ? $"; {up.Evidence}" : string.Empty)}");
    }

    /// <summary>What to do about the pre-upgrade backup once the run holds the lock.</summary>
    public static BackupChoice Backup(ApplyRequest request, UpgradeJournal journal) =>
        journal.IsDone(BackupStep) ? BackupChoice.Taken
        : request.NoBackup ? BackupChoice.Skip
        : BackupChoice.Take;

    /// <summary>The options a new journal records, as the flags read.</summary>
    public static string Describe(ApplyRequest request) => string.Create(CultureInfo.InvariantCulture,
        $"batch-size={request.BatchSize} canary={request.Canary} bake={request.Bake} max-unavailable-per-zone={request.MaxPerZone} executor={request.Executor}{(request.RevisitBlocked ? " revisit-blocked" : string.Empty)}");

    private static int DoneSteps(UpgradeJournal journal) => journal.Entries.Count(e => e.State == StepState.Done);
}

/// <summary>The pre-upgrade backup: already taken by this run's journal, skipped (--no-backup), or to take now.</summary>
internal enum BackupChoice
{
    Taken,
    Skip,
    Take,
}
