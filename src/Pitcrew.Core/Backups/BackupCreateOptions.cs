using Pitcrew.Backups.Crypto;
using Pitcrew.Etcd;

namespace Pitcrew.Backups;

/// <summary>Where a backup pauses when asked to (crash tests kill the process there).</summary>
public enum BackupPhase
{
    /// <summary>The snapshot is spooled and verified; nothing is in the store yet.</summary>
    Snapshot,

    /// <summary>Part of the object is written to the store, not committed.</summary>
    Upload,

    /// <summary>The object is stored and read back; the manifest is not written.</summary>
    Manifest,
}

/// <summary>One backup: how to reach etcd, tags, compression, key, where to spool, and an optional pause for crash tests.</summary>
internal sealed record BackupCreateOptions(
    EtcdConnectionOptions Connection,
    IReadOnlyList<string> Tags,
    BackupCompression Compression,
    BackupKey? Key,
    string? WorkDirectory,
    Func<BackupPhase, CancellationToken, Task>? Checkpoint = null);

/// <summary>A created backup, what cleaning removed first, and the time taken.</summary>
public sealed record BackupCreateResult(BackupManifest Manifest, int LeftoversRemoved, TimeSpan Took)
{
    public double SnapshotBytesPerSecond => Took.TotalSeconds > 0 ? Manifest.Snapshot.Size / Took.TotalSeconds : 0;
}
