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

    /// <summary>Prunes with the policy the request resolves to (command line, else the store's, else the default) and stores it unless a dry run.</summary>
    public static Task<PruneResult> PruneAsync(
        IBackupStore store, RetentionRequest retention, IReadOnlyCollection<string> forget, bool dryRun, DateTimeOffset? now, TimeSpan lockWait, TimeProvider time,
        CancellationToken cancellationToken) =>
        dryRun
            ? PruneWithPolicyAsync(store, retention, forget, dryRun: true, now, "backup prune", time, cancellationToken)
            : LockedAsync(store, lockWait, time, (_, ct) => PruneWithPolicyAsync(store, retention, forget, dryRun: false, now, "backup prune", time, ct), cancellationToken);

    /// <summary>Resolves the policy, prunes, and stores the policy it applied; the caller holds the lock unless this is a dry run.</summary>
    public static async Task<PruneResult> PruneWithPolicyAsync(
        IBackupStore store, RetentionRequest retention, IReadOnlyCollection<string> forget, bool dryRun, DateTimeOffset? now, string savedBy, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var applied = await RetentionPolicyStore.ResolveAsync(store, retention, cancellationToken).ConfigureAwait(false);
        var result = await BackupPruner.PruneAsync(store, applied, forget, dryRun, now, cancellationToken).ConfigureAwait(false);
        if (!dryRun)
        {
            await RetentionPolicyStore.SaveAsync(store, applied, savedBy, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

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
