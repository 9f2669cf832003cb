using System.Buffers.Binary;
using Google.Protobuf;

namespace Pitcrew.Backups.Changes;

/// <summary>
/// One change etcd's watch delivered: a put (the key's value with its create and mod revisions, version and lease) or
/// a delete (the key and the revision that deleted it), with the sub-revision it had inside its revision and when the
/// stream received it (the clock that --at maps to revisions).
/// </summary>
public sealed record ChangeRecord(long Revision, int Sub, bool Deleted, byte[] Key, byte[] Value, long CreateRevision, long Version, long Lease, long ReceivedAtMs)
{
    public DateTimeOffset ReceivedAt => DateTimeOffset.FromUnixTimeMilliseconds(ReceivedAtMs);

    /// <summary>The pair etcd's "key" bucket holds for this change: revision key (with the tombstone mark for a delete) and KeyValue.</summary>
    public (byte[] Key, byte[] Value) BucketPair()
    {
        var key = new byte[Deleted ? 18 : 17];
        BinaryPrimitives.WriteInt64BigEndian(key, Revision);
        key[8] = (byte)'_';
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(9), Sub);
        if (Deleted)
        {
            key[17] = (byte)'t';
            return (key, new Mvccpb.KeyValue { Key = ByteString.CopyFrom(Key) }.ToByteArray());
        }

        var kv = new Mvccpb.KeyValue
        {
            Key = ByteString.CopyFrom(Key),
            CreateRevision = CreateRevision,
            ModRevision = Revision,
            Version = Version,
            Value = ByteString.CopyFrom(Value),
            Lease = Lease,
        };
        return (key, kv.ToByteArray());
    }
}

/// <summary>
/// The plain bytes of a change segment: "PCHG1\n", then per change a 4-byte big-endian length and that many bytes of
/// (8-byte received time in Unix ms, 4-byte sub-revision, then mvccpb.Event: type, and the KeyValue as the watch gave it).
/// </summary>
public static class ChangeRecordFormat
{
    public static ReadOnlySpan<byte> Magic => "PCHG1\n"u8;

    public static void Write(Stream output, ChangeRecord change)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(change);
        var kv = new Mvccpb.KeyValue { Key = ByteString.CopyFrom(change.Key), ModRevision = change.Revision };
        if (!change.Deleted)
        {
            kv.CreateRevision = change.CreateRevision;
            kv.Version = change.Version;
            kv.Value = ByteString.CopyFrom(change.Value);
            kv.Lease = change.Lease;
        }

        var e = new Mvccpb.Event { Type = change.Deleted ? Mvccpb.Event.Types.EventType.Delete : Mvccpb.Event.Types.EventType.Put, Kv = kv };
        var body = e.ToByteArray();
        Span<byte> head = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(head, body.Length + 12);
        BinaryPrimitives.WriteInt64BigEndian(head[4..], change.ReceivedAtMs);
        BinaryPrimitives.WriteInt32BigEndian(head[12..], change.Sub);
        output.Write(head);
        output.Write(body);
    }

    /// <summary>Reads every change of a segment's plain bytes, in order; a damaged record is a <see cref="PitcrewException"/> naming where.</summary>
    public static async IAsyncEnumerable<ChangeRecord> ReadAsync(Stream input, string what,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var magic = new byte[Magic.Length];
        if (await ReadFullyAsync(input, magic, cancellationToken).ConfigureAwait(false) != magic.Length || !magic.AsSpan().SequenceEqual(Magic))
        {
            throw new PitcrewException($"{what}: not a Pitcrew change segment", ExitCodes.Corrupt);
        }

        var length = new byte[4];
        var offset = (long)Magic.Length;
        while (true)
        {
            var got = await ReadFullyAsync(input, length, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                yield break;
            }

            var size = got == 4 ? BinaryPrimitives.ReadInt32BigEndian(length) : -1;
            if (size < 12 || size > 256 << 20)
            {
                throw new PitcrewException($"{what}: damaged change record at byte {offset}", ExitCodes.Corrupt);
            }

            var record = new byte[size];
            if (await ReadFullyAsync(input, record, cancellationToken).ConfigureAwait(false) != size)
            {
                throw new PitcrewException($"{what}: truncated change record at byte {offset}", ExitCodes.Truncated);
            }

            offset += 4 + size;
            Mvccpb.Event e;
            try
            {
                e = Mvccpb.Event.Parser.ParseFrom(record, 12, size - 12);
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new PitcrewException($"{what}: damaged change record at byte {offset}: {ex.Message}", ExitCodes.Corrupt, ex);
            }

            var deleted = e.Type == Mvccpb.Event.Types.EventType.Delete;
            yield return new ChangeRecord(e.Kv.ModRevision, BinaryPrimitives.ReadInt32BigEndian(record.AsSpan(8)), deleted, e.Kv.Key.ToByteArray(),
                deleted ? [] : e.Kv.Value.ToByteArray(), e.Kv.CreateRevision, e.Kv.Version, e.Kv.Lease, BinaryPrimitives.ReadInt64BigEndian(record));
        }
    }

    private static async Task<int> ReadFullyAsync(Stream input, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await input.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }
}
