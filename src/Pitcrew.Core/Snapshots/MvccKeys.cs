using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Pitcrew.Snapshots;

/// <summary>Decoding of etcd's mvcc storage: 17/18-byte revision keys and the key field of a KeyValue protobuf.</summary>
internal static class MvccKeys
{
    public const int RevisionLength = 17;
    public const int TombstoneLength = 18;
    private const byte Separator = (byte)'_';
    private const byte TombstoneMark = (byte)'t';

    /// <summary>Reads main revision and tombstone flag from a `key`-bucket key; false when malformed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryReadRevision(ReadOnlySpan<byte> key, out long main, out bool tombstone)
    {
        main = 0;
        tombstone = key.Length == TombstoneLength && key[RevisionLength] == TombstoneMark;
        if ((key.Length != RevisionLength && !tombstone) || key[8] != Separator)
        {
            return false;
        }

        main = BinaryPrimitives.ReadInt64BigEndian(key);
        return main >= 0;
    }

    /// <summary>Finds field 1 (key, bytes) of an mvccpb.KeyValue message without allocating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryReadUserKey(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> key)
    {
        key = default;
        var pos = 0;
        while (pos < message.Length)
        {
            if (!TryReadVarint(message, ref pos, out var tag))
            {
                return false;
            }

            var field = tag >> 3;
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(message, ref pos, out _))
                    {
                        return false;
                    }

                    break;
                case 2:
                    if (!TryReadVarint(message, ref pos, out var length) || length > (ulong)(message.Length - pos))
                    {
                        return false;
                    }

                    if (field == 1)
                    {
                        key = message.Slice(pos, (int)length);
                        return true;
                    }

                    pos += (int)length;
                    break;
                case 1:
                    pos += 8;
                    break;
                case 5:
                    pos += 4;
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>Reads a revision stored as a 17-byte revision key, as meta's compaction markers are.</summary>
    public static long? ReadRevisionValue(ReadOnlySpan<byte> value) =>
        value.Length >= 8 ? BinaryPrimitives.ReadInt64BigEndian(value) : null;

    /// <summary>The 17-byte revision key {main, sub 0}, as etcd stores revisions and compaction marks.</summary>
    public static byte[] RevisionKey(long main)
    {
        var key = new byte[RevisionLength];
        BinaryPrimitives.WriteInt64BigEndian(key, main);
        key[8] = Separator;
        return key;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int pos, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && pos < data.Length; shift += 7)
        {
            var b = data[pos++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
