using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pitcrew.Snapshots;

/// <summary>Streaming CRC-32C (Castagnoli), the checksum etcd uses for snapshot status hashes and WAL records.</summary>
/// <remarks>
/// Long inputs are split into three lanes hashed in one interleaved loop, which hides the latency of the
/// CRC instruction, and the lanes are joined by multiplying by x^(8n) modulo the polynomial.
/// </remarks>
internal struct Crc32C
{
    /// <summary>The Castagnoli polynomial, bit-reflected.</summary>
    private const uint Polynomial = 0x82F63B78;

    /// <summary>Below this, three lanes cost more to join than they save.</summary>
    private const int InterleaveThreshold = 3 * 256;

    /// <summary>x^(2^k) modulo the polynomial, for k = 0..31.</summary>
    private static readonly uint[] PowersOfX = BuildPowers();

    private uint _state;

    public Crc32C()
    {
        _state = uint.MaxValue;
    }

    /// <summary>The checksum of everything appended so far (Go's hash/crc32 Sum32 convention).</summary>
    public readonly uint Value => ~_state;

    /// <summary>The register at the start of a message (before the final inversion).</summary>
    public const uint InitialRegister = uint.MaxValue;

    public void Append(ReadOnlySpan<byte> data) => _state = Update(_state, data);

    /// <summary>Continues a raw CRC register over data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Update(uint register, ReadOnlySpan<byte> data)
    {
        var crc = register;
        if (data.Length >= InterleaveThreshold)
        {
            var lane = (data.Length / 3) & ~7;
            crc = ThreeLanes(crc, data[..(3 * lane)], lane);
            data = data[(3 * lane)..];
        }

        return Serial(crc, data);
    }

    /// <summary>The register after X then Y, from the register after X and Y's register computed from zero.</summary>
    public static uint Concat(uint registerBefore, uint registerOfNextFromZero, long nextLength) =>
        Multiply(PowerOfX(8 * nextLength), registerBefore) ^ registerOfNextFromZero;

    /// <summary>The checksum for a final register.</summary>
    public static uint Finish(uint register) => ~register;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint ThreeLanes(uint crc, ReadOnlySpan<byte> data, int lane)
    {
        var a = data[..lane];
        var b = data.Slice(lane, lane);
        var c = data.Slice(2 * lane, lane);
        uint crcA = crc, crcB = 0, crcC = 0;
        for (var i = 0; i < lane; i += 8)
        {
            crcA = BitOperations.Crc32C(crcA, BinaryPrimitives.ReadUInt64LittleEndian(a[i..]));
            crcB = BitOperations.Crc32C(crcB, BinaryPrimitives.ReadUInt64LittleEndian(b[i..]));
            crcC = BitOperations.Crc32C(crcC, BinaryPrimitives.ReadUInt64LittleEndian(c[i..]));
        }

        // The register is linear: crc(r, X||Y) = shift(crc(r, X), |Y|) ^ crc(0, Y).
        var shift = PowerOfX(8L * lane);
        return Multiply(shift, Multiply(shift, crcA) ^ crcB) ^ crcC;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Serial(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }

    /// <summary>a times b modulo the polynomial, both bit-reflected (x^0 is the top bit).</summary>
    private static uint Multiply(uint a, uint b)
    {
        uint product = 0;
        for (var bit = 1u << 31; bit != 0; bit >>= 1)
        {
            if ((a & bit) != 0)
            {
                product ^= b;
            }

            b = (b & 1) != 0 ? (b >> 1) ^ Polynomial : b >> 1;
        }

        return product;
    }

    /// <summary>x^n modulo the polynomial.</summary>
    private static uint PowerOfX(long n)
    {
        var result = 1u << 31;
        for (var k = 0; n != 0; n >>= 1, k++)
        {
            if ((n & 1) != 0)
            {
                result = Multiply(PowersOfX[k & 31], result);
            }
        }

        return result;
    }

    private static uint[] BuildPowers()
    {
        var powers = new uint[32];
        var p = 1u << 30; // x^1
        for (var k = 0; k < 32; k++)
        {
            powers[k] = p;
            p = Multiply(p, p);
        }

        return powers;
    }
}
