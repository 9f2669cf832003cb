namespace Pitcrew.Doctor;

/// <summary>The limits the checks judge by, each named after what it means.</summary>
internal static class Thresholds
{
    /// <summary>Default --max-backup-age: a daily schedule plus an hour of slack.</summary>
    public static readonly TimeSpan BackupMaxAge = TimeSpan.FromHours(25);

    /// <summary>A backup older than this many allowed ages is critical, not just late.</summary>
    public const int BackupCriticalAgeFactor = 7;

    /// <summary>kube-controller-manager's node-monitor-grace-period: a lease older than this means the kubelet is silent.</summary>
    public static readonly TimeSpan LeaseStale = TimeSpan.FromSeconds(40);

    /// <summary>A node cordoned longer than this is likely forgotten after maintenance.</summary>
    public static readonly TimeSpan CordonedLong = TimeSpan.FromHours(24);

    /// <summary>A node-problem-detector condition not refreshed for this long is likely orphaned (its monitor gone).</summary>
    public static readonly TimeSpan ConditionStale = TimeSpan.FromHours(1);

    /// <summary>An unscheduled pod younger than this (and not yet refused by the scheduler) is just waiting its turn.</summary>
    public static readonly TimeSpan PendingGrace = TimeSpan.FromMinutes(2);

    /// <summary>Warning events newer than this are shown.</summary>
    public static readonly TimeSpan RecentEvents = TimeSpan.FromHours(1);

    /// <summary>At most this many event groups are listed; the rest are counted in a note.</summary>
    public const int MaxEventGroups = 50;

    /// <summary>Per-node reasons listed as evidence for one pending pod.</summary>
    public const int MaxNodeLines = 10;

    /// <summary>This many evicted pods in one namespace make a warning (fewer: info).</summary>
    public const int EvictedPileUp = 10;

    /// <summary>Usage of allocatable cpu or memory (percent) at or above which a node is called hot.</summary>
    public const int UsageHotPercent = 90;

    /// <summary>A certificate expiring within this time is a warning.</summary>
    public static readonly TimeSpan CertificateWarning = TimeSpan.FromDays(30);

    /// <summary>A certificate expiring within this time (or expired) is critical.</summary>
    public static readonly TimeSpan CertificateCritical = TimeSpan.FromDays(7);

    /// <summary>
    /// A follower whose applied raft index trails the leader's by more than this is behind: a healthy follower stays within
    /// a few entries, and a thousand is seconds of a busy control plane's writes.
    /// </summary>
    public const ulong EtcdMemberBehindEntries = 1_000;

    /// <summary>etcd's default --quota-backend-bytes (2 GiB).</summary>
    public const long EtcdDefaultQuota = 2L * 1024 * 1024 * 1024;

    /// <summary>DB size at or above this percent of the quota is a warning; <see cref="EtcdQuotaCriticalPercent"/> critical.</summary>
    public const int EtcdQuotaWarningPercent = 80;

    public const int EtcdQuotaCriticalPercent = 95;

    /// <summary>Free pages at or above this percent of the DB file (and at least <see cref="EtcdFragmentedBytes"/>) call for a defrag.</summary>
    public const int EtcdFragmentedPercent = 50;

    public const long EtcdFragmentedBytes = 64L * 1024 * 1024;

    /// <summary>Kubelets may be this many minors older than the API server (since 1.28; 2 before).</summary>
    public const int KubeletMaxMinorsBehind = 3;
}
