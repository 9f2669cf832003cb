using System.Buffers.Binary;
using System.Text;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class MvccKeysTests
{
    [Fact]
    public void TryReadRevision_WithRevisionKey_ReadsMainRevision()
    {
        Assert.True(MvccKeys.TryReadRevision(RevisionKey(50001, 0, tombstone: false), out var main, out var tombstone));
        Assert.Equal(50001, main);
        Assert.False(tombstone);
    }

    [Fact]
    public void TryReadRevision_WithTombstoneMark_ReportsTombstone()
    {
        Assert.True(MvccKeys.TryReadRevision(RevisionKey(7, 1, tombstone: true), out var main, out var tombstone));
        Assert.Equal(7, main);
        Assert.True(tombstone);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(19)]
    public void TryReadRevision_WithWrongLength_IsFalse(int length) =>
        Assert.False(MvccKeys.TryReadRevision(new byte[length], out _, out _));

    [Fact]
    public void TryReadUserKey_FindsFieldOneAmongOthers()
    {
        // create_revision=2 (varint), key=1 (bytes), value=5 (bytes): field order is not assumed.
        byte[] message = [0x10, 0x05, 0x0A, 0x03, (byte)'a', (byte)'/', (byte)'b', 0x2A, 0x01, 0x78];
        Assert.True(MvccKeys.TryReadUserKey(message, out var key));
        Assert.Equal("a/b", Encoding.ASCII.GetString(key));
    }

    [Fact]
    public void TryReadUserKey_WithLengthPastTheEnd_IsFalse() =>
        Assert.False(MvccKeys.TryReadUserKey([0x0A, 0x7F, 0x01], out _));

    private static byte[] RevisionKey(long main, long sub, bool tombstone)
    {
        var key = new byte[tombstone ? 18 : 17];
        BinaryPrimitives.WriteInt64BigEndian(key, main);
        key[8] = (byte)'_';
        BinaryPrimitives.WriteInt64BigEndian(key.AsSpan(9), sub);
        if (tombstone)
        {
            key[17] = (byte)'t';
        }

        return key;
    }
}
