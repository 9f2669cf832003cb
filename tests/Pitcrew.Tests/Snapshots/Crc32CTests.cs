using System.Numerics;
using System.Text;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class Crc32CTests
{
    [Fact]
    public void Value_OfTheStandardCheckInput_IsTheCastagnoliCheckValue()
    {
        var crc = new Crc32C();
        crc.Append(Encoding.ASCII.GetBytes("123456789"));
        Assert.Equal(0xE3069283u, crc.Value);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(767)]
    [InlineData(768)]
    [InlineData(769)]
    [InlineData(4096)]
    [InlineData(16_391)]
    [InlineData(100_003)]
    public void Append_OfLongInputs_MatchesTheBytewiseDefinition(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var crc = new Crc32C();
        crc.Append(data.AsSpan(0, length / 3));
        crc.Append(data.AsSpan(length / 3));
        Assert.Equal(Bytewise(data), crc.Value);
    }

    private static uint Bytewise(byte[] data)
    {
        var crc = uint.MaxValue;
        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }
}

public sealed class SegmentedCrcTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Compute_InAnyNumberOfShares_EqualsOneCrcOverTheRangesInOrder(int shares)
    {
        var data = new byte[200_000];
        new Random(shares).NextBytes(data);
        var crc = new SegmentedCrc();
        var expected = new Crc32C();
        var random = new Random(42);
        for (long offset = 0; offset < data.Length;)
        {
            var length = (int)Math.Min(random.Next(0, 20_000), data.Length - offset);
            var skip = random.Next(0, 3) == 0 ? 100 : 0; // gaps and adjacent ranges both occur
            if (offset + skip + length > data.Length)
            {
                break;
            }

            crc.Add(offset + skip, length);
            expected.Append(data.AsSpan((int)(offset + skip), length));
            offset += skip + length;
        }

        Assert.Equal(expected.Value, crc.Compute((offset, length) => data.AsSpan((int)offset, length), shares));
    }
}
