using Pitcrew.Etcd;

namespace Pitcrew.Snapshots;

/// <summary>One snapshot save: where to write it and how to reach etcd.</summary>
public sealed record SnapshotSaveOptions(string Path, EtcdConnectionOptions Connection);

/// <summary>Bytes received so far, the expected total when the server said, and the time spent.</summary>
public sealed record SnapshotProgress(long Bytes, long? ExpectedBytes, TimeSpan Elapsed);

/// <summary>A saved, verified snapshot.</summary>
public sealed record SnapshotSaveResult(
    string Path,
    string Endpoint,
    string Source,
    IReadOnlyList<string> Skipped,
    long Bytes,
    long DbSize,
    long Revision,
    long CompactRevision,
    string Sha256,
    TimeSpan Took)
{
    public double BytesPerSecond => Took.TotalSeconds > 0 ? Bytes / Took.TotalSeconds : 0;
}
