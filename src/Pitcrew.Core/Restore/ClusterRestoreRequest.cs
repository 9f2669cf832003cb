using Pitcrew.Cluster;
using Pitcrew.Etcd;

namespace Pitcrew.Restore;

/// <summary>What <c>pitcrew cluster restore</c>'s flags mean, bound once: the snapshot source, the member layout, the paths and the run mode.</summary>
/// <param name="Snapshot">--snapshot: a snapshot file here, as given (made absolute when chosen).</param>
/// <param name="FromBackup">--from-backup: a backup name (or latest) in the store, fetched and verified into the state dir.</param>
/// <param name="InitialCluster">--initial-cluster NODE=PEER-URL,...; null: etcd's member list paired with the control-plane nodes.</param>
/// <param name="NodeSnapshot">Where a copy of the snapshot already is on every node; null: upload it to /var/lib/pitcrew/restore/NAME first.</param>
/// <param name="Token">--initial-cluster-token; null: a new one for this restore (pitcrew-restore-STAMP).</param>
/// <param name="StateDir">Where the journal and a fetched backup go (already defaulted).</param>
/// <param name="Cluster">How to reach the cluster (nodes, the lock, the sim executor); null: not used.</param>
/// <param name="PointRevision">--revision with --from-backup: rebuild the snapshot at this revision from the backup and its change stream.</param>
/// <param name="PointAt">--at with --from-backup: rebuild the snapshot at the last revision the stream received by then.</param>
internal sealed record ClusterRestoreRequest(
    string? Snapshot,
    string? FromBackup,
    string? InitialCluster,
    string? NodeSnapshot,
    string? Token,
    long? Bump,
    string DataDir,
    string ManifestDir,
    string StateDir,
    bool Yes,
    bool Resume,
    bool PlanOnly,
    EtcdConnectionOptions Etcd,
    KubeAccessOptions? Cluster,
    RestoreTool Tool = RestoreTool.Pitcrew,
    long? PointRevision = null,
    DateTimeOffset? PointAt = null)
{
    /// <summary>Whether the journal is read before starting: always, except for a fresh --plan-only (which touches nothing and ignores it).</summary>
    public bool ReadsJournal => Resume || !PlanOnly;

    /// <summary>The ssh and sim executors find nodes through the cluster, and --kubeconfig asks for it; otherwise etcd alone is used.</summary>
    public static bool UsesCluster(string executor, string? kubeconfig) => executor is "ssh" or "sim" || kubeconfig is not null;
}
