using System.Buffers.Binary;
using System.Text;
using Pitcrew.Restore.Bolt;
using Pitcrew.Restore.Raft;
using Pitcrew.Snapshots;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore;

/// <summary>
/// Receives the snapshot's pairs in key order from <see cref="BoltWalker"/> and writes the restored database:
/// every bucket copied as is, except membership (replaced by the new members), meta (consistent index and term of
/// the bootstrap entries, the compaction mark) and, when bumping, one placeholder revision at the end of "key".
/// </summary>
internal sealed class RestoreDbCopier : BoltVisitor
{
    private const string KeyBucket = "key";
    private const string MetaBucket = "meta";
    private const string MembersBucket = "members";
    private const string RemovedBucket = "members_removed";

    private readonly BoltFileWriter _writer;
    private readonly ClusterPlan _cluster;
    private readonly long? _requestedBump;
    private readonly Queue<string> _required = new([MembersBucket, RemovedBucket, MetaBucket]);
    private readonly SortedDictionary<byte[], byte[]> _meta = new(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)));
    private string? _bucket;
    private BoltTreeBuilder? _tree;
    private byte[] _lastRevision = [];

    /// <summary>How many source bytes to copy between releases of the mapped pages: keeps resident memory flat.</summary>
    private const long ReleaseEvery = 64L << 20;

    private readonly Action _releaseSource;
    private long _sinceRelease;

    public RestoreDbCopier(BoltFileWriter writer, ClusterPlan cluster, long? requestedBump, Action releaseSource)
    {
        _releaseSource = releaseSource;
        _writer = writer;
        _cluster = cluster;
        _requestedBump = requestedBump;
    }

    public bool HasKeyBucket { get; private set; }

    /// <summary>Whether any revision holds a key under /registry/ (a Kubernetes store).</summary>
    public bool HasRegistryKeys { get; private set; }

    /// <summary>The snapshot's latest revision (main part of the last key in "key").</summary>
    public long SnapshotRevision { get; private set; }

    /// <summary>Revisions added past the snapshot's latest; 0 when not bumped.</summary>
    public long Bump { get; private set; }

    public long Pairs { get; private set; }

    public override void EnterBucket(ReadOnlySpan<byte> name, int depth)
    {
        if (depth != 1)
        {
            return;
        }

        var text = Encoding.UTF8.GetString(name);
        while (_required.Count > 0 && string.CompareOrdinal(_required.Peek(), text) < 0)
        {
            Begin(_required.Dequeue());
        }

        if (_required.Count > 0 && _required.Peek() == text)
        {
            _required.Dequeue();
        }

        Begin(text);
    }

    public override void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth)
    {
        if (isBucket || depth != 1)
        {
            throw new SnapshotFormatException($"bucket {_bucket}: nested bucket \"{BoltWalker.Printable(key)}\"; etcd files have none", Errors.ExitCodes.Corrupt);
        }

        Pairs++;
        _sinceRelease += key.Length + value.Length;
        if (_sinceRelease >= ReleaseEvery)
        {
            _sinceRelease = 0;
            _releaseSource();
        }

        switch (_bucket)
        {
            case MembersBucket or RemovedBucket:
                break;
            case MetaBucket:
                _meta[key.ToArray()] = value.ToArray();
                break;
            case KeyBucket:
                OnRevision(key, value);
                _tree!.Add(key, value);
                break;
            default:
                _tree!.Add(key, value);
                break;
        }
    }

    /// <summary>Ends the last bucket, adds buckets the snapshot lacked, and completes the file.</summary>
    public void Complete()
    {
        while (_required.Count > 0)
        {
            Begin(_required.Dequeue());
        }

        End();
        _writer.Complete();
    }

    private void Begin(string name)
    {
        End();
        _bucket = name;
        _tree = _writer.BeginBucket(Encoding.UTF8.GetBytes(name));
        HasKeyBucket |= name == KeyBucket;
        if (name == MembersBucket)
        {
            // bbolt orders keys as bytes, and the members bucket is keyed by hex ID.
            foreach (var member in _cluster.Members.OrderBy(m => m.IdHex, StringComparer.Ordinal))
            {
                _tree.Add(Encoding.ASCII.GetBytes(member.IdHex), MembershipJson.Member(member));
            }
        }
    }

    private void End()
    {
        switch (_bucket)
        {
            case KeyBucket:
                EndKeys();
                break;
            case MetaBucket:
                EndMeta();
                break;
        }

        _bucket = null;
    }

    private void OnRevision(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (key.Length >= MvccKeys.RevisionLength)
        {
            if (_lastRevision.Length != MvccKeys.RevisionLength)
            {
                _lastRevision = new byte[MvccKeys.RevisionLength];
            }

            key[..MvccKeys.RevisionLength].CopyTo(_lastRevision);
        }

        if (!HasRegistryKeys && MvccKeys.TryReadUserKey(value, out var userKey) && userKey.StartsWith("/registry/"u8))
        {
            HasRegistryKeys = true;
        }
    }

    private void EndKeys()
    {
        SnapshotRevision = _lastRevision.Length == MvccKeys.RevisionLength ? BinaryPrimitives.ReadInt64BigEndian(_lastRevision) : 0;
        Bump = RestorePlanner.EffectiveBump(_requestedBump, HasRegistryKeys);
        if (Bump > 0)
        {
            // etcd's restore writes an empty value at the bumped revision so the server's current revision starts there.
            _tree!.Add(MvccKeys.RevisionKey(SnapshotRevision + Bump), []);
        }
    }

    private void EndMeta()
    {
        var commit = MemberDirWriter.Commit(_cluster);
        _meta["consistent_index"u8.ToArray()] = BigEndian(commit);
        _meta["term"u8.ToArray()] = BigEndian(MemberDirWriter.Term);
        if (_meta.ContainsKey("confState"u8.ToArray()))
        {
            _meta["confState"u8.ToArray()] = MembershipJson.ConfState(_cluster.Members.Select(m => m.Id));
        }

        if (Bump > 0)
        {
            _meta["scheduledCompactRev"u8.ToArray()] = MvccKeys.RevisionKey(SnapshotRevision + Bump);
        }

        foreach (var (key, value) in _meta)
        {
            _tree!.Add(key, value);
        }
    }

    private static byte[] BigEndian(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
