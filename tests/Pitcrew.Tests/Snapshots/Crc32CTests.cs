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
