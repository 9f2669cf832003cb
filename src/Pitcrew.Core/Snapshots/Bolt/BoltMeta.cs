using System.Buffers.Binary;

namespace Pitcrew.Snapshots.Bolt;

/// <summary>The 64-byte meta record bbolt keeps at offset 16 of pages 0 and 1.</summary>
internal readonly record struct BoltMeta(
    uint Magic,
    uint Version,
    uint PageSize,
    uint Flags,
    ulong Root,
    ulong Freelist,
    ulong HighWaterPage,
    ulong TxId,
    ulong Checksum)
{
    public const uint ExpectedMagic = 0xED0CDAED;
    public const uint ExpectedVersion = 2;
    public const ulong NoFreelist = ulong.MaxValue;
    public const int Size = 64;
    private const int ChecksummedBytes = 56;

    /// <summary>Reads a meta record from the bytes that follow a page header; returns null when too short.</summary>
    public static BoltMeta? Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Size)
        {
            return null;
        }

        return new BoltMeta(
            BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[32..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[48..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[56..]))
        {
            ComputedChecksum = Fnv1a64(bytes[..ChecksummedBytes]),
        };
    }

    public ulong ComputedChecksum { get; init; }

    /// <summary>Why this meta is unusable, or null when magic, version and checksum hold.</summary>
    public string? Problem =>
        Magic != ExpectedMagic ? $"bad magic 0x{Magic:x8}"
        : Version != ExpectedVersion ? $"unsupported bbolt version {Version}"
        : Checksum != ComputedChecksum ? "meta checksum mismatch"
        : PageSize < 512 || PageSize > 1 << 20 || (PageSize & (PageSize - 1)) != 0 ? $"implausible page size {PageSize}"
        : null;

    internal static ulong Fnv1a64(ReadOnlySpan<byte> data)
    {
        const ulong offsetBasis = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offsetBasis;
        foreach (var b in data)
        {
            hash ^= b;
            hash *= prime;
        }

        return hash;
    }
}
