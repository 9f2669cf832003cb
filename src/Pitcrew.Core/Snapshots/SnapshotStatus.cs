using System.Text.Json.Serialization;

namespace Pitcrew.Snapshots;

/// <summary>What a snapshot file holds: etcdctl's four figures and what an operator needs beyond them.</summary>
/// <param name="Hash">CRC-32C over every bucket name, key and value, as etcdctl's HASH.</param>
/// <param name="Revision">Main revision of the newest key revision, as etcdctl's REVISION.</param>
/// <param name="TotalKey">TOTAL KEYS with the semantics of the etcd version that wrote the file.</param>
/// <param name="TotalSize">Database size (high-water page times page size), as etcdctl's TOTAL SIZE.</param>
/// <param name="Version">Storage version recorded by etcd 3.6+; null for older writers.</param>
/// <param name="AllBucketKeys">Pairs in all top-level buckets (etcd 3.4/3.5 TOTAL KEYS).</param>
/// <param name="LiveKeys">Distinct user keys not deleted at the revision (etcd 3.6 TOTAL KEYS).</param>
/// <param name="TotalKeySemantics">Which of the two counts <paramref name="TotalKey"/> follows.</param>
/// <param name="Trailer">Presence and verdict of the 32-byte SHA-256 trailer.</param>
/// <param name="RegistryKeys">Live keys per Kubernetes resource under /registry/.</param>
public sealed record SnapshotStatus(
    uint Hash,
    long Revision,
    long TotalKey,
    long TotalSize,
    string? Version,
    long AllBucketKeys,
    long LiveKeys,
    string TotalKeySemantics,
    long KeyRevisions,
    long CompactRevision,
    long ScheduledCompactRevision,
    long ConsistentIndex,
    long Term,
    string? ClusterVersion,
    int Members,
    TrailerCheck Trailer,
    long FileSize,
    int PageSize,
    long PagesInUse,
    IReadOnlyDictionary<string, long> RegistryKeys);

/// <summary>The SHA-256 trailer etcd appends to a streamed snapshot, and whether it matches the bytes before it.</summary>
/// <param name="Present">The file ends with a 32-byte trailer (size mod 512 is 32).</param>
/// <param name="Checked">The digest was recomputed.</param>
/// <param name="Matches">The recomputed digest equals the trailer.</param>
/// <param name="Sha256">The trailer as lowercase hex, when present.</param>
public sealed record TrailerCheck(bool Present, bool Checked, bool Matches, string? Sha256)
{
    /// <summary>One verdict for the trailer, so a skipped check never reads as a match.</summary>
    public TrailerState State => (Present, Checked, Matches) switch
    {
        (false, _, _) => TrailerState.Absent,
        (true, false, _) => TrailerState.NotChecked,
        (true, true, true) => TrailerState.Matched,
        (true, true, false) => TrailerState.Mismatched,
    };
}

/// <summary>What is known about a snapshot's SHA-256 trailer.</summary>
public enum TrailerState
{
    /// <summary>The recomputed digest equals the trailer.</summary>
    [JsonStringEnumMemberName("matched")]
    Matched,

    /// <summary>The recomputed digest differs from the trailer: the file is damaged.</summary>
    [JsonStringEnumMemberName("mismatched")]
    Mismatched,

    /// <summary>A trailer is present but was not recomputed (--skip-hash-check).</summary>
    [JsonStringEnumMemberName("not-checked")]
    NotChecked,

    /// <summary>The file has no trailer (a raw member/snap/db copy, or cut off).</summary>
    [JsonStringEnumMemberName("absent")]
    Absent,
}
