using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pitcrew.Snapshots;

/// <summary>Streaming CRC-32C (Castagnoli), the checksum etcd uses for snapshot status hashes and WAL records.</summary>
internal struct Crc32C
{
    private uint _state;

    public Crc32C()
    {
        _state = uint.MaxValue;
    }

    /// <summary>The checksum of everything appended so far (Go's hash/crc32 Sum32 convention).</summary>
    public readonly uint Value => ~_state;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Append(ReadOnlySpan<byte> data)
    {
        var crc = _state;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        _state = crc;
    }
}
