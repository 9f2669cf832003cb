using System.Globalization;
using Pitcrew.Backups;
using Pitcrew.Backups.Retention;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// The run's first journaled step: an etcd snapshot tagged pre-upgrade into the store (kept forever by retention), or
/// a skip recorded for --no-backup; a failure is journaled and stops the run before any node.
/// </summary>
internal static class PreUpgradeBackup
{
    public static async Task<UpgradeJournal> TakeAsync(ApplyRequest request, ApplyPorts ports, ClusterEtcdSource etcd, UpgradeJournal journal, IUpgradeProgress progress,
        Func<UpgradeJournal, CancellationToken, Task> save, CancellationToken cancellationToken)
    {
        const string step = ApplyDecisions.BackupStep;
        var time = ports.Time;
        switch (ApplyDecisions.Backup(request, journal))
        {
            case BackupChoice.Taken:
                return journal;
            case BackupChoice.Skip:
                journal = journal.With(new JournalEntry(step, null, StepState.Done, time.GetUtcNow(), 0, "skipped: --no-backup"));
                progress.Line("backup skipped (--no-backup): there is no pre-upgrade snapshot to go back to");
                await save(journal, cancellationToken).ConfigureAwait(false);
                return journal;
        }

        journal = journal.With(new JournalEntry(step, null, StepState.Started, time.GetUtcNow()));
        await save(journal, cancellationToken).ConfigureAwait(false);
        using var store = ports.OpenStore();
        progress.Line($"start backup: etcd snapshot tagged {RetentionPolicy.PreUpgradeTag} from etcd at {etcd.Endpoints} ({etcd.Origin}) into {store.Location}");
        BackupCreateResult result;
        try
        {
            var connection = etcd.Options ?? throw new PitcrewException(etcd.Problem ?? "etcd's endpoints are not known", ExitCodes.Usage);
            var options = new BackupCreateOptions(connection, [RetentionPolicy.PreUpgradeTag], BackupCompression.Zstd, ports.BackupKey(), null);
            result = await BackupJobs.CreateAsync(store, options, TimeSpan.FromMinutes(1), null, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PitcrewException or IOException or UnauthorizedAccessException)
        {
            journal = journal.With(new JournalEntry(step, null, StepState.Failed, time.GetUtcNow(), null, e.Message));
            await save(journal, cancellationToken).ConfigureAwait(false);
            throw new PitcrewException($"the pre-upgrade backup failed, nothing was upgraded: {e.Message}", (e as PitcrewException)?.ExitCode ?? ExitCodes.Failed, e);
        }

        journal = journal.With(new JournalEntry(step, null, StepState.Done, time.GetUtcNow(), result.Took.TotalSeconds, result.Manifest.Name)) with { Backup = result.Manifest.Name };
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"done  backup {result.Manifest.Name} ({result.Manifest.Snapshot.Size / 1048576.0:0.0} MiB, revision {result.Manifest.Snapshot.Revision}) in {store.Location}"));
        await save(journal, cancellationToken).ConfigureAwait(false);
        return journal;
    }
}
