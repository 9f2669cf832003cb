using System.Buffers.Binary;
using Pitcrew.Snapshots;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore.Drill;

/// <summary>What a member restored from the file must serve: revision, compaction, live keys per prefix, and HashKV.</summary>
/// <param name="HashKv">etcd's Maintenance.HashKV at <paramref name="Revision"/>, computed from the file.</param>
public sealed record SnapshotExpectation(long Revision, long CompactRevision, uint HashKv, IReadOnlyDictionary<string, long> KeysByPrefix)
{
    /// <summary>Reads the file twice: the latest revision of every key, then etcd's KV hash over the key bucket.</summary>
    /// <remarks>
    /// etcd hashes "key", then each key-bucket pair up to the revision; a pair at or below the compacted revision
    /// counts only if it is its key's latest revision and not a deletion (what compaction keeps).
    /// </remarks>
    internal static SnapshotExpectation Compute(BoltFile file)
    {
        var index = new LatestRevisions();
        new BoltWalker(file).Walk(index);
        var hasher = new KvHasher(index);
        new BoltWalker(file).Walk(hasher);
        // The empty key is a bump placeholder: indexed by etcd, but no client can read it.
        var live = index.Latest.Where(p => !p.Value.Tombstone && p.Key.Length > 0).Select(p => p.Key);
        return new SnapshotExpectation(index.Revision, index.CompactRevision, hasher.Hash, KeyPrefixes.Count(live));
    }

    /// <summary>The user key of a revision; an empty value (the placeholder a bumped restore writes) is the empty key.</summary>
    private static bool TryReadKey(ReadOnlySpan<byte> value, out ReadOnlySpan<byte> key)
    {
        if (value.IsEmpty)
        {
            key = default;
            return true;
        }

        return MvccKeys.TryReadUserKey(value, out key);
    }

    private readonly record struct Latest(long Main, long Sub, bool Tombstone);

    /// <summary>First pass: each user key's latest revision, the file's revision and compaction marks.</summary>
    private sealed class LatestRevisions : BoltVisitor
    {
        private string _bucket = string.Empty;

        public Dictionary<byte[], Latest> Latest { get; } = new(ByteKeyComparer.Instance);

        public long Revision { get; private set; }

        /// <summary>etcd reports -1 until something was compacted.</summary>
        public long CompactRevision { get; private set; } = -1;

        public override void EnterBucket(ReadOnlySpan<byte> name, int depth) => _bucket = System.Text.Encoding.UTF8.GetString(name);

        public override void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth)
        {
            if (_bucket == "meta" && (key.SequenceEqual("finishedCompactRev"u8) || key.SequenceEqual("scheduledCompactRev"u8)))
            {
                // The server resumes a scheduled compaction on boot, so the later mark is the one it reports.
                CompactRevision = Math.Max(CompactRevision, MvccKeys.ReadRevisionValue(value) ?? 0);
            }

            if (_bucket != "key" || !MvccKeys.TryReadRevision(key, out var main, out var tombstone))
            {
                return;
            }

            Revision = main;
            if (!TryReadKey(value, out var user))
            {
                return;
            }

            var lookup = Latest.GetAlternateLookup<ReadOnlySpan<byte>>();
            lookup[user] = new Latest(main, BinaryPrimitives.ReadInt64BigEndian(key[9..]), tombstone);
        }
    }

    /// <summary>Second pass: CRC-32C over "key" and the pairs etcd's HashKV covers.</summary>
    private sealed class KvHasher(LatestRevisions index) : BoltVisitor
    {
        /// <summary>etcd filters compacted pairs only when some key is live at the revision.</summary>
        private readonly bool _filters = index.Latest.Values.Any(l => !l.Tombstone);
        private Crc32C _crc = new();
        private bool _inKeys;

        public uint Hash => _crc.Value;

        public override void EnterBucket(ReadOnlySpan<byte> name, int depth)
        {
            _inKeys = name.SequenceEqual("key"u8);
            if (_inKeys)
            {
                _crc.Append(name);
            }
        }

        public override void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth)
        {
            if (!_inKeys || key.Length < MvccKeys.RevisionLength)
            {
                return;
            }

            var main = BinaryPrimitives.ReadInt64BigEndian(key);
            if (main > index.Revision)
            {
                return;
            }

            if (main <= index.CompactRevision && _filters && !IsKept(key, value))
            {
                return;
            }

            _crc.Append(key);
            _crc.Append(value);
        }

        private bool IsKept(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
        {
            if (!TryReadKey(value, out var user) || !index.Latest.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(user, out var latest))
            {
                return false;
            }

            return !latest.Tombstone && latest.Main == BinaryPrimitives.ReadInt64BigEndian(key) && latest.Sub == BinaryPrimitives.ReadInt64BigEndian(key[9..]);
        }
    }
}
