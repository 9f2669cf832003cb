using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Snapshots;

/// <summary>Where in the file a span of it starts.</summary>
internal delegate long SpanOffset(ReadOnlySpan<byte> span);

/// <summary>Computes etcdctl's status figures and Pitcrew's extras in one pass over an etcd bbolt file.</summary>
internal sealed class EtcdDbVisitor : BoltVisitor
{
    private readonly Dictionary<byte[], bool> _live = new(ByteKeyComparer.Instance);
    private readonly SpanOffset _offsetOf;
    private string _bucket = string.Empty;

    /// <summary>Creates a visitor; offsetOf says where in the file a span handed to it starts.</summary>
    public EtcdDbVisitor(SpanOffset offsetOf)
    {
        _offsetOf = offsetOf;
    }

    /// <summary>What etcdctl's HASH covers, in order; computed after the walk on every core.</summary>
    public SegmentedCrc Hash { get; } = new();

    public long AllBucketKeys { get; private set; }

    public long Revision { get; private set; }

    public long KeyRevisions { get; private set; }

    public long FinishedCompactRevision { get; private set; }

    public long ScheduledCompactRevision { get; private set; }

    public long ConsistentIndex { get; private set; }

    public long Term { get; private set; }

    public string? StorageVersion { get; private set; }

    public string? ClusterVersion { get; private set; }

    public int Members { get; private set; }

    public bool HasKeyBucket { get; private set; }

    /// <summary>Live (not deleted) user keys at the snapshot's revision.</summary>
    public IEnumerable<byte[]> LiveKeys => _live.Where(p => p.Value).Select(p => p.Key);

    public long LiveKeyCount => _live.Count(p => p.Value);

    /// <summary>etcd 3.6 records a storage version and counts live user keys; 3.4/3.5 count every pair.</summary>
    public bool CountsLiveKeys => StorageVersion is not null;

    /// <summary>TOTAL KEYS with the semantics of the etcd version that wrote the file.</summary>
    public long TotalKey => CountsLiveKeys ? LiveKeyCount : AllBucketKeys;

    public string TotalKeySemantics => CountsLiveKeys ? "live-keys" : "all-buckets";

    public override void EnterBucket(ReadOnlySpan<byte> name, int depth)
    {
        if (depth != 1)
        {
            return;
        }

        _bucket = Encoding.UTF8.GetString(name);
        HasKeyBucket |= _bucket == "key";
        if (name.Length > 0)
        {
            Hash.Add(_offsetOf(name), name.Length);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth)
    {
        if (depth != 1)
        {
            return;
        }

        AllBucketKeys++;

        // A leaf stores each value right after its key, so the pair is one range of the file.
        if (key.Length + value.Length > 0)
        {
            Hash.Add(_offsetOf(key), key.Length + value.Length);
        }
        switch (_bucket)
        {
            case "key":
                OnRevision(key, value);
                break;
            case "meta":
                OnMeta(key, value);
                break;
            case "cluster" when key.SequenceEqual("clusterVersion"u8):
                ClusterVersion = Encoding.UTF8.GetString(value);
                break;
            case "members":
                Members++;
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OnRevision(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!MvccKeys.TryReadRevision(key, out var main, out var tombstone))
        {
            return;
        }

        KeyRevisions++;
        Revision = main;
        if (!MvccKeys.TryReadUserKey(value, out var userKey))
        {
            return;
        }

        var lookup = _live.GetAlternateLookup<ReadOnlySpan<byte>>();
        lookup[userKey] = !tombstone;
    }

    private void OnMeta(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.SequenceEqual("consistent_index"u8) && value.Length == 8)
        {
            ConsistentIndex = (long)BinaryPrimitives.ReadUInt64BigEndian(value);
        }
        else if (key.SequenceEqual("term"u8) && value.Length == 8)
        {
            Term = (long)BinaryPrimitives.ReadUInt64BigEndian(value);
        }
        else if (key.SequenceEqual("finishedCompactRev"u8))
        {
            FinishedCompactRevision = MvccKeys.ReadRevisionValue(value) ?? 0;
        }
        else if (key.SequenceEqual("scheduledCompactRev"u8))
        {
            ScheduledCompactRevision = MvccKeys.ReadRevisionValue(value) ?? 0;
        }
        else if (key.SequenceEqual("storageVersion"u8))
        {
            StorageVersion = Encoding.UTF8.GetString(value);
        }
    }
}
