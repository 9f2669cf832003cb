using System.Text;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Snapshots;

/// <summary>The few figures readable from a snapshot without walking it: revision, compaction, size, version.</summary>
public sealed record SnapshotHead(long Revision, long CompactRevision, long DbSize, string? StorageVersion)
{
    /// <summary>Reads the head of a snapshot file, touching only the pages on the way to those keys.</summary>
    public static SnapshotHead Read(string path)
    {
        using var file = BoltFile.Open(path);
        var lookup = new BoltLookup(file);
        var keys = lookup.FindBucket("key"u8)
            ?? throw SnapshotFormatException.NotASnapshot(path, "a bbolt database without etcd's \"key\" bucket");
        long revision = 0;
        lookup.Last(keys, (key, value) =>
        {
            if (MvccKeys.TryReadRevision(key, out var main, out _))
            {
                revision = main;
            }
        });

        long compacted = 0;
        string? version = null;
        if (lookup.FindBucket("meta"u8) is { } meta)
        {
            lookup.ForEach(meta, (key, value) =>
            {
                if (key.SequenceEqual("finishedCompactRev"u8))
                {
                    compacted = MvccKeys.ReadRevisionValue(value) ?? 0;
                }
                else if (key.SequenceEqual("storageVersion"u8))
                {
                    version = Encoding.UTF8.GetString(value);
                }
            });
        }

        return new SnapshotHead(revision, compacted, file.DatabaseSize, version);
    }
}
