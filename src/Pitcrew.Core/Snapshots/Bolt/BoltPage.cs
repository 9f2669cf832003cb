using System.Buffers.Binary;

namespace Pitcrew.Snapshots.Bolt;

/// <summary>Page header constants and accessors for bbolt's 16-byte page header.</summary>
internal static class BoltPage
{
    public const int HeaderSize = 16;
    public const int ElementSize = 16;
    public const ushort BranchFlag = 0x01;
    public const ushort LeafFlag = 0x02;
    public const ushort MetaFlag = 0x04;
    public const ushort FreelistFlag = 0x10;
    public const uint BucketLeafFlag = 0x01;
    public const int InlineBucketHeaderSize = 16;

    public static ulong Id(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt64LittleEndian(page);

    public static ushort Flags(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt16LittleEndian(page[8..]);

    public static ushort Count(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt16LittleEndian(page[10..]);

    public static uint Overflow(ReadOnlySpan<byte> page) => BinaryPrimitives.ReadUInt32LittleEndian(page[12..]);

    public static string FlagName(ushort flags) => flags switch
    {
        BranchFlag => "branch",
        LeafFlag => "leaf",
        MetaFlag => "meta",
        FreelistFlag => "freelist",
        _ => $"0x{flags:x4}",
    };
}
