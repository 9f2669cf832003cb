using System.Globalization;
using Pitcrew.Backups;
using Pitcrew.Backups.Stores;
using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Doctor;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Preflight;
using Spectre.Console;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>The flags of preflight's recovery checks (etcd members, a recent backup, certificates) bound into one request.</summary>
internal static class PreflightFlags
{
    public static readonly Option<string?> MaxBackupAge = new("--max-backup-age") { Description = "The newest backup in --store may be this old, e.g. 30m or 2h (default 1h)", HelpName = "DURATION" };

    public static readonly Option<string?> WindowEnd = new("--window-end")
    {
        Description = "When the upgrade window ends: a duration from now (default 24h) or a time (2026-12-05T05:00:00Z); certificates expiring before then fail",
        HelpName = "DURATION|TIME",
    };

    public static readonly Option<long?> EtcdQuota = new("--etcd-quota-bytes") { Description = "etcd's --quota-backend-bytes, to judge its DB size (default 2 GiB)", HelpName = "BYTES" };

    public static readonly Option<bool> TakeBackup = new("--take-backup")
    {
        Description = "When --store holds no backup newer than --max-backup-age, take one now (tagged preflight, through etcd's flags) before the checks",
    };

    /// <summary>The tag of a backup preflight takes.</summary>
    public const string PreflightTag = "preflight";

    public static IEnumerable<Option> All =>
        [MaxBackupAge, WindowEnd, EtcdQuota, TakeBackup, BackupStoreFlags.Store, BackupStoreFlags.S3Endpoint, BackupStoreFlags.KeyFile, .. EtcdConnectionFlags.All];

    /// <summary>
    /// --take-backup: takes a backup into the store unless one there is newer than the limit; progress and the outcome go
    /// to stderr, so the report on stdout stays what it is.
    /// </summary>
    public static async Task TakeBackupIfNeededAsync(ParseResult parse, CliContext context, IBackupStore? store, TimeSpan maxAge, ClusterEtcdSource etcd,
        CancellationToken cancellationToken)
    {
        if (store is null)
        {
            throw new PitcrewException("--take-backup needs --store URL (or PITCREW_BACKUP_STORE): where to put the backup", ExitCodes.Usage);
        }

        var now = context.Time.GetUtcNow();
        var newest = (await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false)).Select(e => e.Manifest).MaxBy(m => m.CreatedAt);
        if (newest is not null && now - newest.CreatedAt <= maxAge)
        {
            context.Err.WriteLine($"--take-backup: {newest.Name} is {Ages.Format(now - newest.CreatedAt)} old, within --max-backup-age {Ages.Format(maxAge)}; none taken");
            return;
        }

        var connection = etcd.Options ?? throw new PitcrewException($"--take-backup: {etcd.Problem}", ExitCodes.Usage);
        context.Err.WriteLine($"--take-backup: {(newest is null ? "no backup" : $"the newest backup, {newest.Name}, is {Ages.Format(now - newest.CreatedAt)} old")} in {store.Location}; " +
            $"taking one tagged {PreflightTag} from etcd at {etcd.Endpoints} ({etcd.Origin})");
        var options = new BackupCreateOptions(connection, [PreflightTag], BackupCompression.Zstd, BackupStoreFlags.Key(parse), null);
        var result = await new TransferReporter(context).RunAsync(progress =>
            BackupJobs.CreateAsync(store, options, TimeSpan.FromMinutes(1), progress, context.Time, cancellationToken)).ConfigureAwait(false);
        context.Err.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"--take-backup: {result.Manifest.Name} created and verified (revision {result.Manifest.Snapshot.Revision}, {result.Manifest.Snapshot.Size / 1048576.0:0.0} MiB) in {GoDuration.Format(result.Took)}"));
    }

    /// <summary>The request, reading the cluster's etcd as <paramref name="etcd"/> resolved it; the store, when one is given, is opened into <paramref name="store"/> for the caller to dispose.</summary>
    public static SafetyRequest Bind(ParseResult parse, CliContext context, ClusterEtcdSource etcd, out IBackupStore? store)
    {
        var maxAge = parse.GetValue(MaxBackupAge) is { } age ? Duration(age, "--max-backup-age", "1h") : SafetyLimits.MaxBackupAge;
        var window = Window(parse.GetValue(WindowEnd), context.Time.GetUtcNow());
        store = (parse.GetValue(BackupStoreFlags.Store) ?? context.Environment("PITCREW_BACKUP_STORE")) is null ? null : BackupStoreFlags.Open(parse, context);
        var opened = store;
        return new SafetyRequest(etcd.Options, opened is null ? null : (opened.Location, async ct => [.. (await BackupCatalog.ListAsync(opened, ct).ConfigureAwait(false)).Select(e => e.Manifest)]), window)
        {
            EtcdQuotaBytes = parse.GetValue(EtcdQuota) is { } quota ? quota > 0 ? quota : throw new PitcrewException($"--etcd-quota-bytes {quota}: want a positive size", ExitCodes.Usage)
                : Thresholds.EtcdDefaultQuota,
            MaxBackupAge = maxAge,
            EtcdSource = etcd,
        };
    }

    private static UpgradeWindow Window(string? text, DateTimeOffset now)
    {
        if (text is null)
        {
            return UpgradeWindow.Default;
        }

        if (GoDuration.TryParse(text, out var length) && length > TimeSpan.Zero)
        {
            return new UpgradeWindow(null, length);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var end)
            && text.Contains('T', StringComparison.Ordinal) && end > now
            ? new UpgradeWindow(end, end - now)
            : throw new PitcrewException($"--window-end \"{text}\": want a duration such as 6h or a future time such as 2026-12-05T05:00:00Z", ExitCodes.Usage);
    }

    private static TimeSpan Duration(string text, string flag, string example) => GoDuration.TryParse(text, out var duration) && duration > TimeSpan.Zero
        ? duration
        : throw new PitcrewException($"{flag} \"{text}\": want a duration such as {example}", ExitCodes.Usage);
}
