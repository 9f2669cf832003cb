using Pitcrew.Backups.Retention;
using Pitcrew.Backups.Stores;
using Pitcrew.Snapshots;

namespace Pitcrew.Backups;

/// <summary>The store-changing operations, each under the store's lock: create (after cleaning leftovers) and prune.</summary>
internal static class BackupJobs
{
    public static async Task<BackupCreateResult> CreateAsync(
        IBackupStore store, BackupCreateOptions options, TimeSpan lockWait, IProgress<SnapshotProgress>? progress, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        return await LockedAsync(store, lockWait, time, async (held, ct) =>
        {
            var cleaned = await BackupCatalog.CleanAsync(store, held, ct).ConfigureAwait(false);
            var manifest = await BackupCreator.CreateAsync(store, options, progress, time, ct).ConfigureAwait(false);
            return new BackupCreateResult(manifest, cleaned, time.GetElapsedTime(started));
        }, cancellationToken).ConfigureAwait(false);
    }

    public static Task<PruneResult> PruneAsync(
        IBackupStore store, RetentionPolicy policy, IReadOnlyCollection<string> forget, bool dryRun, DateTimeOffset? now, TimeSpan lockWait, TimeProvider time,
        CancellationToken cancellationToken) =>
        dryRun
            ? BackupPruner.PruneAsync(store, policy, forget, dryRun, now, cancellationToken)
            : LockedAsync(store, lockWait, time, (_, ct) => BackupPruner.PruneAsync(store, policy, forget, dryRun, now, ct), cancellationToken);

    /// <summary>Runs <paramref name="work"/> holding the lock, renewed in the background; a lost lock cancels the work.</summary>
    public static async Task<T> LockedAsync<T>(
        IBackupStore store, TimeSpan lockWait, TimeProvider time, Func<BackupLock, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var held = await BackupLock.AcquireAsync(store, BackupLock.DefaultTtl, lockWait, time, cancellationToken).ConfigureAwait(false);
        using var lost = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lost.Token);
        using var stopRenewing = new CancellationTokenSource();
        var renewing = held.KeepAliveAsync(lost, stopRenewing.Token);
        try
        {
            return await work(held, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new Errors.PitcrewException($"{store.Location}: lost the backup lock during the run; abandoned it (nothing partial is listed)", Errors.ExitCodes.Blocked);
        }
        finally
        {
            await stopRenewing.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
        }
    }
}
