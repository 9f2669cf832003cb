namespace Pitcrew.Restore;

/// <summary>How a cluster restore starts: a new run, a resume of the journal's run, or refused.</summary>
internal enum ClusterRestoreStartKind
{
    /// <summary>A new run with a new journal.</summary>
    Fresh,

    /// <summary>Go on from the journal's steps, with its snapshot and stamp.</summary>
    Resume,

    /// <summary>Do not start; <see cref="ClusterRestoreStart.Message"/> says why and what to do.</summary>
    Refuse,
}

/// <summary>
/// The pure decision of how a restore starts from the request and the journal as found: which snapshot (a file here,
/// the journal's, or a backup to fetch), resume or start over, or refuse, with the reason and the hint that overrides it.
/// </summary>
/// <param name="Snapshot">The snapshot file here to restore; null when <paramref name="Backup"/> is to be fetched first.</param>
/// <param name="Backup">The backup to fetch into the state dir; null when the snapshot is known.</param>
internal sealed record ClusterRestoreStart(
    ClusterRestoreStartKind Kind,
    ClusterRestoreJournal? Journal,
    string? Snapshot,
    string? Backup,
    string Reason,
    string? Hint,
    int ExitCode)
{
    public const string UnfinishedHint = "add --resume, or move the journal aside to start over";

    /// <summary>The one line a refusal prints: the reason, then the hint.</summary>
    public string Message => Hint is null ? Reason : $"{Reason}; {Hint}";

    /// <param name="found">The journal in the state dir, or null (also when <see cref="ClusterRestoreRequest.ReadsJournal"/> is false).</param>
    public static ClusterRestoreStart Decide(ClusterRestoreRequest request, ClusterRestoreJournal? found)
    {
        if (request.Resume && found is null)
        {
            return Refused($"--resume: no journal in {request.StateDir}", null, ExitCodes.Usage);
        }

        if (!request.Resume && !request.PlanOnly && found is { Finished: false } && found.Done.Any(ClusterRestoreProcedure.Touches))
        {
            return Refused($"{Path.Combine(request.StateDir, ClusterRestoreJournal.FileName)}: an unfinished restore of {found.Snapshot} ({found.Done.Count} steps done)",
                UnfinishedHint, ExitCodes.Blocked);
        }

        if ((request.Snapshot is null) == (request.FromBackup is null))
        {
            return Refused("pass exactly one of --snapshot FILE and --from-backup NAME", null, ExitCodes.Usage);
        }

        var journal = request.Resume ? found : null;
        var snapshot = request.Snapshot is null ? journal?.Snapshot : Path.GetFullPath(request.Snapshot);
        if (journal is not null && snapshot != journal.Snapshot)
        {
            return Refused($"--resume: the journal restores {journal.Snapshot}, not {snapshot}", null, ExitCodes.Usage);
        }

        return journal is not null
            ? new(ClusterRestoreStartKind.Resume, journal, snapshot, null, $"resume the restore of {snapshot} ({journal.Done.Count} steps done)", null, ExitCodes.Ok)
            : new(ClusterRestoreStartKind.Fresh, null, snapshot, snapshot is null ? request.FromBackup : null,
                found switch
                {
                    null => "no journal: a new restore",
                    { Finished: true } => "the journal's restore finished: a new restore",
                    _ when !request.PlanOnly => "the journal's restore stopped before touching etcd (only uploads and checks done): a new restore",
                    _ => "--plan-only: the unfinished journal is left as it is",
                }, null, ExitCodes.Ok);
    }

    private static ClusterRestoreStart Refused(string reason, string? hint, int exitCode) =>
        new(ClusterRestoreStartKind.Refuse, null, null, null, reason, hint, exitCode);
}
