using Pitcrew.Backups;
using Pitcrew.Doctor;
using Pitcrew.Etcd;

namespace Pitcrew.Upgrade.Preflight;

/// <summary>The etcd members as read with the etcd connection flags, and the quota (--quota-backend-bytes) their DB size is judged against.</summary>
internal sealed record EtcdMemberFacts(IReadOnlyList<EndpointStatus> Members, long QuotaBytes)
{
    /// <summary>The same members named after their control-plane nodes (empty when not named).</summary>
    public IReadOnlyList<EtcdMemberState> Named { get; init; } = [];
}

/// <summary>The backups listed in --store, or why the store could not be listed.</summary>
internal sealed record BackupStoreFacts(string Store, IReadOnlyList<BackupManifest>? Backups, string? Error);

/// <summary>
/// What preflight reads beyond the cluster's objects, for the checks that keep an upgrade recoverable: etcd's members
/// (null without etcd flags), the backup store (null without --store), the certificates, and the times they are judged at.
/// </summary>
/// <param name="WindowEnd">When the upgrade window ends: every certificate must stay valid until then.</param>
internal sealed record SafetyFacts(
    DateTimeOffset Now,
    EtcdMemberFacts? Etcd,
    BackupStoreFacts? Backups,
    TimeSpan MaxBackupAge,
    CertificateSurvey Certificates,
    DateTimeOffset WindowEnd)
{
    /// <summary>Where the etcd that was read came from, or why none is known; null when the caller resolved none (not judged).</summary>
    public ClusterEtcdSource? EtcdSource { get; init; }

    /// <summary>
    /// Whether the cluster's etcd answers, for the lines that need it (a backup is taken from it): null when not judged,
    /// else whether it answered and the evidence.
    /// </summary>
    public (bool Answers, string Evidence)? EtcdAnswer => EtcdSource switch
    {
        null => null,
        { Options: null } source => (false, source.Problem ?? "etcd's endpoints are not known"),
        var source when Etcd?.Members.Any(m => m.Reachable) == true => (true, $"etcd at {source.Endpoints} ({source.Origin}) answers"),
        var source => (false, $"etcd at {source.Endpoints} ({source.Origin}) does not answer: {Etcd?.Members.FirstOrDefault(m => !m.Reachable)?.Failure ?? "no member status read"}"),
    };
}

/// <summary>The defaults of the preflight checks that guard recovery.</summary>
internal static class SafetyLimits
{
    /// <summary>Default --max-backup-age: the backup an upgrade starts from should be this recent.</summary>
    public static readonly TimeSpan MaxBackupAge = TimeSpan.FromHours(1);

    /// <summary>Default --window-end: the upgrade window lasts this long from now.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>A certificate expiring within this time after now is a warning, as the doctor's.</summary>
    public static TimeSpan CertificateWarning => Thresholds.CertificateWarning;
}
