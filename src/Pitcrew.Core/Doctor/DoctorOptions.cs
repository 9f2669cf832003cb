using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>What the doctor looks at.</summary>
internal enum DoctorScope
{
    Cluster,
    Nodes,
    Node,
    Pods,
    Certs,
    Etcd,
}

/// <summary>One run of the doctor: scope, namespace filter, etcd access and the limits of probing.</summary>
/// <param name="NodeName">The node for <see cref="DoctorScope.Node"/>.</param>
/// <param name="Namespace">Pods and events of this namespace only; null for all.</param>
/// <param name="Etcd">How to reach etcd; null skips the etcd checks (with a note).</param>
/// <param name="PkiDirectory">kubeadm's pki directory to list; null looks at /etc/kubernetes/pki when it exists.</param>
internal sealed record DoctorOptions(
    DoctorScope Scope,
    string? NodeName = null,
    string? Namespace = null,
    EtcdConnectionOptions? Etcd = null,
    long EtcdQuotaBytes = Thresholds.EtcdDefaultQuota,
    string? PkiDirectory = null,
    TimeSpan? ProbeTimeout = null,
    int ProbeConcurrency = DoctorOptions.DefaultProbeConcurrency)
{
    /// <summary>The --store to check backup freshness in (its URL, as shown), and how to list its manifests; null skips the check.</summary>
    public (string Store, Func<CancellationToken, Task<IReadOnlyList<Backups.BackupManifest>>> List)? Backups { get; init; }

    /// <summary>The newest backup may be this old (--max-backup-age).</summary>
    public TimeSpan MaxBackupAge { get; init; } = Thresholds.BackupMaxAge;

    /// <summary>Handshakes in flight at once: enough for 5,000 nodes in seconds without flooding a small machine.</summary>
    public const int DefaultProbeConcurrency = 64;

    public TimeSpan EffectiveProbeTimeout => ProbeTimeout ?? TlsProbe.DefaultTimeout;

    public bool Checks(params DoctorScope[] scopes) => Scope == DoctorScope.Cluster || scopes.Contains(Scope);
}
