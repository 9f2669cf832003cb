namespace Pitcrew.Backups;

/// <summary>
/// What a backup is, written as NAME.manifest.json after its object is stored and read back: a backup exists only
/// once this exists. Figures come from the snapshot itself (revision, compaction, keys), not from the server's word.
/// </summary>
public sealed record BackupManifest(
    int FormatVersion,
    string Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset CompletedAt,
    string PitcrewVersion,
    BackupSource Etcd,
    BackupSnapshotInfo Snapshot,
    BackupObjectInfo Stored,
    IReadOnlyList<string> Tags,
    bool Verified)
{
    public const int CurrentFormat = 1;
}

/// <summary>The member the snapshot came from; ids in hex as etcdctl prints them.</summary>
public sealed record BackupSource(string Endpoint, string Version, string ClusterId, string MemberId);

/// <summary>The plain snapshot file (what `get` writes): its size, its digest and what it holds.</summary>
/// <param name="Sha256">etcd's trailer: the SHA-256 of the database bytes before it, checked as the snapshot streamed.</param>
public sealed record BackupSnapshotInfo(
    long Revision,
    long CompactRevision,
    long Size,
    string Sha256,
    long TotalKeys,
    string? StorageVersion,
    IReadOnlyDictionary<string, long> RegistryKeys);

/// <summary>The stored object: key in the store, size and SHA-256 of the stored bytes, how they were transformed.</summary>
public sealed record BackupObjectInfo(string Key, long Size, string Sha256, string Compression, BackupEncryptionInfo? Encryption);

/// <summary>The encryption used; the key itself is never recorded, only its fingerprint.</summary>
public sealed record BackupEncryptionInfo(string Algorithm, string KeyFingerprint, int ChunkSize);
