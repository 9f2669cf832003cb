using System.Buffers.Binary;
using Pitcrew.Snapshots;

namespace Pitcrew.Restore.Raft;

/// <summary>
/// Writes etcd's first WAL segment: each record framed by an 8-byte little-endian length (top byte 0x80|pad when the
/// record is padded to 8 bytes), records carrying the rolling CRC-32C of every record's data so far, and the file
/// preallocated to etcd's segment size (zeros read as the end of the log).
/// </summary>
internal sealed class WalWriter : IDisposable
{
    public const long SegmentSizeBytes = 64 * 1000 * 1000;
    public const string FirstSegmentName = "0000000000000000-0000000000000000.wal";
    public const ulong MetadataType = 1;
    public const ulong EntryType = 2;
    public const ulong StateType = 3;
    public const ulong CrcType = 4;
    public const ulong SnapshotType = 5;

    private readonly FileStream _stream;
    private Crc32C _crc = new();

    public WalWriter(string directory)
    {
        _stream = PrivateFiles.CreateNew(Path.Combine(directory, FirstSegmentName));
        _stream.SetLength(SegmentSizeBytes);
        _stream.Position = 0;

        // A segment starts with the CRC carried over from the previous one (none: 0).
        Append(CrcType, null);
    }

    public void Append(ulong type, byte[]? data)
    {
        if (type != CrcType && data is not null)
        {
            _crc.Append(data);
        }

        var record = RaftMessages.Record(type, type == CrcType ? 0 : _crc.Value, data);
        var pad = (8 - (record.Length % 8)) % 8;
        var length = (ulong)record.Length;
        if (pad != 0)
        {
            length |= (ulong)(0x80 | pad) << 56;
        }

        Span<byte> frame = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(frame, length);
        _stream.Write(frame);
        _stream.Write(record);
        Span<byte> zeros = stackalloc byte[8];
        zeros.Clear();
        _stream.Write(zeros[..pad]);
    }

    public void Complete() => _stream.Flush(flushToDisk: true);

    public void Dispose() => _stream.Dispose();
}
