namespace Pitcrew.Restore;

/// <summary>One restore of one member, with etcdutl's flags and defaults.</summary>
/// <param name="SnapshotPath">The snapshot file (or a raw member/snap/db copy with <paramref name="SkipHashCheck"/>).</param>
/// <param name="DataDir">Target data dir; null means "NAME.etcd" as etcdutl does.</param>
/// <param name="WalDir">Separate WAL dir; null means DATA-DIR/member/wal.</param>
/// <param name="BumpRevision">
/// Revisions to add past the snapshot's latest, marking the result compacted; null picks the Kubernetes-safe default
/// (<see cref="RestorePlanner.KubernetesBump"/> when the snapshot holds /registry/ keys, else 0); 0 turns it off.
/// </param>
public sealed record RestoreOptions(
    string SnapshotPath,
    string? DataDir = null,
    string? WalDir = null,
    string Name = RestoreOptions.DefaultName,
    string InitialCluster = RestoreOptions.DefaultInitialCluster,
    string InitialClusterToken = RestoreOptions.DefaultToken,
    string InitialAdvertisePeerUrls = RestoreOptions.DefaultPeerUrl,
    bool SkipHashCheck = false,
    long? BumpRevision = null,
    bool MarkCompacted = false)
{
    public const string DefaultName = "default";
    public const string DefaultPeerUrl = "http://localhost:2380";
    public const string DefaultInitialCluster = "default=http://localhost:2380";
    public const string DefaultToken = "etcd-cluster";

    /// <summary>The data dir the restore writes: the given one, or NAME.etcd.</summary>
    public string EffectiveDataDir => DataDir ?? $"{Name}.etcd";

    /// <summary>Where the WAL goes.</summary>
    public string EffectiveWalDir => WalDir ?? Path.Combine(EffectiveDataDir, "member", "wal");
}
