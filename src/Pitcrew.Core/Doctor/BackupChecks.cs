using System.Globalization;
using Pitcrew.Backups;

namespace Pitcrew.Doctor;

/// <summary>Backup freshness: is there a recent, verified etcd backup in the store the operator named with --store.</summary>
internal static class BackupChecks
{
    /// <summary>Findings for the backups of one store, newest first or in any order; none when the newest is fresh.</summary>
    public static IEnumerable<Finding> Check(string store, IReadOnlyList<BackupManifest> backups, DateTimeOffset now, TimeSpan maxAge)
    {
        var target = new ObjectRef("BackupStore", null, store);
        if (backups.Count == 0)
        {
            yield return new Finding(CheckIds.EtcdBackupMissing, Severity.Critical, target,
                "no etcd backup in the store",
                "no backup was ever completed here (a backup exists only once its manifest is written), or backups go elsewhere",
                [$"{store}: 0 backups"],
                $"pitcrew etcd backup create --store {store}, then schedule it (pitcrew etcd backup run, or docs/backup-scheduling.md)");
            yield break;
        }

        var newest = backups.MaxBy(b => b.CreatedAt)!;
        var verified = backups.Where(b => b.Verified).MaxBy(b => b.CreatedAt);
        var age = now - newest.CreatedAt;
        var evidence = new List<string>
        {
            $"newest: {newest.Name}, created {newest.CreatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} ({Ages.Format(age)} ago), revision {newest.Snapshot.Revision}",
            $"{backups.Count} backups in {store}; allowed age {Ages.Format(maxAge)} (--max-backup-age)",
        };
        if (verified is not null && verified != newest)
        {
            evidence.Add($"newest verified: {verified.Name} ({Ages.Format(now - verified.CreatedAt)} ago)");
        }

        if (age > maxAge)
        {
            yield return new Finding(CheckIds.EtcdBackupStale, age > maxAge * Thresholds.BackupCriticalAgeFactor ? Severity.Critical : Severity.Warning, target,
                $"the newest etcd backup is {Ages.Format(age)} old",
                "scheduled backups stopped or keep failing (the scheduler is down, etcd or the store unreachable, credentials expired)",
                evidence,
                "check the scheduler (pitcrew etcd backup run logs, pitcrew_backup_failures_total), then take one now: pitcrew etcd backup create --store " + store);
        }
        else if (verified is null)
        {
            yield return new Finding(CheckIds.EtcdBackupUnverified, Severity.Warning, target,
                "no backup in the store is marked verified",
                "the backups were stored without their structure check passing",
                evidence,
                $"pitcrew etcd backup verify latest --drill --store {store}");
        }
    }
}
