using Cronos;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Retention;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Backups;

/// <summary>What `backup run` does on each tick: create with these options, verify with the key, prune with the policy.</summary>
/// <param name="Retention">The command line's policy; without one each run applies the store's policy (else the default).</param>
internal sealed record BackupScheduleOptions(string Schedule, TimeZoneInfo TimeZone, BackupCreateOptions Create, RetentionRequest Retention)
{
    public BackupKey? Key => Create.Key;
}

/// <summary>
/// The long-running scheduler: at each cron occurrence (in the given time zone) it takes the store's lock, cleans
/// leftovers, creates a backup, verifies it by fetching it back, and prunes. A run already older than one period
/// runs at once on start. A tick whose lock is held elsewhere is skipped, not queued.
/// </summary>
internal sealed class BackupScheduler(IBackupStore store, BackupScheduleOptions options, BackupMetrics metrics, TimeProvider time, Action<string> log)
{
    public static CronExpression ParseSchedule(string schedule)
    {
        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            return CronExpression.Parse(schedule, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new PitcrewException($"--schedule \"{schedule}\": {e.Message} (want 5 cron fields such as \"0 * * * *\", or 6 with seconds)", ExitCodes.Usage, e);
        }
    }

    private IReadOnlyList<BackupEntry>? _seeded;

    /// <summary>Reads the store and sets the metrics from its newest complete backup; call before serving them.</summary>
    public async Task SeedMetricsAsync(CancellationToken cancellationToken)
    {
        var entries = await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
        metrics.Kept(entries.Count);
        if (entries.LastOrDefault(e => e.Manifest.Verified && e.ObjectPresent) is { } newest)
        {
            var m = newest.Manifest;
            metrics.Seed(m.CompletedAt, m.CompletedAt - m.CreatedAt, m.Stored.Size, entries.Count);
            log($"newest complete backup {m.Name} (completed {m.CompletedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}) seeds the metrics");
        }

        _seeded = entries;
    }

    /// <summary>Called with each backup created and verified (the change stream moves to it as its new base).</summary>
    public Action<BackupManifest>? Created { get; set; }

    /// <summary>Runs until cancelled; a cancellation during a run abandons it cleanly (upload aborted, lock released).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var cron = ParseSchedule(options.Schedule);
        if (_seeded is null)
        {
            await SeedMetricsAsync(cancellationToken).ConfigureAwait(false);
        }

        var entries = _seeded!;
        var now = time.GetUtcNow();
        var period = Period(cron, now);
        if (entries.Count == 0 || now - entries[^1].Manifest.CreatedAt > period)
        {
            log(entries.Count == 0 ? "no backup yet: running now" : $"newest backup {entries[^1].Manifest.Name} is older than one period ({period}): running now");
            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            now = time.GetUtcNow();
            var next = cron.GetNextOccurrence(now, options.TimeZone)
                ?? throw new PitcrewException($"--schedule \"{options.Schedule}\" has no future occurrence", ExitCodes.Usage);
            try
            {
                await Task.Delay(next - now, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One create-verify-prune under the lock; failures are counted and logged, not thrown, so the schedule goes on.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var (created, pruned) = await CreateVerifiedAsync(cancellationToken).ConfigureAwait(false);
            var took = time.GetElapsedTime(started);
            metrics.Succeeded(time.GetUtcNow(), took, created.Stored.Size, pruned.Kept);
            Created?.Invoke(created);
            log($"backup {created.Name} created and verified (revision {created.Snapshot.Revision}, {created.Stored.Size} bytes stored) in {took.TotalSeconds:0.0} s; "
                + $"pruned {pruned.Deleted}, kept {pruned.Kept}");
        }
        catch (PitcrewException e) when (e.ExitCode == ExitCodes.Blocked && !cancellationToken.IsCancellationRequested)
        {
            metrics.Skipped();
            log($"skipped this run: {e.Message}");
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // gRPC and the SDK report a cancelled call with their own exception types; any of them means stopping.
            log("stopping: abandoned the run in progress (nothing partial is listed; the next run removes its leftovers)");
        }
        catch (Exception e) when (e is PitcrewException or IOException or UnauthorizedAccessException && !cancellationToken.IsCancellationRequested)
        {
            metrics.Failed();
            log($"backup run failed: {e.Message}");
        }
    }

    /// <summary>One create-verify-prune under the store's lock; throws on failure (Blocked when another run holds the lock).</summary>
    public async Task<(BackupManifest Created, PruneResult Pruned)> CreateVerifiedAsync(CancellationToken cancellationToken) =>
        await BackupJobs.LockedAsync(store, TimeSpan.Zero, time, async (held, ct) =>
        {
            var cleaned = await BackupCatalog.CleanAsync(store, held, ct).ConfigureAwait(false);
            if (cleaned > 0)
            {
                log($"removed {cleaned} leftover object(s) of interrupted runs");
            }

            var manifest = await BackupCreator.CreateAsync(store, options.Create, null, time, ct).ConfigureAwait(false);
            var verify = Spool.PathFor(options.Create.WorkDirectory, manifest.Name + "-verify");
            try
            {
                await BackupReader.FetchAsync(store, manifest.Name, options.Key, verify, time, ct).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(verify);
            }

            var prune = await BackupJobs.PruneWithPolicyAsync(store, options.Retention, [], dryRun: false, now: null, "backup run", time, ct).ConfigureAwait(false);
            return (manifest, prune);
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>The gap between the next two occurrences: how old the newest backup may be before a catch-up run.</summary>
    private TimeSpan Period(CronExpression cron, DateTimeOffset now)
    {
        var first = cron.GetNextOccurrence(now, options.TimeZone);
        var second = first is { } f ? cron.GetNextOccurrence(f, options.TimeZone) : null;
        return first is { } a && second is { } b ? b - a : TimeSpan.MaxValue;
    }
}
