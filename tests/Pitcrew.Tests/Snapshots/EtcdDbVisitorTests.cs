using System.Buffers.Binary;
using System.Text;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class EtcdDbVisitorTests
{
    [Fact]
    public void TotalKey_WithoutStorageVersion_CountsEveryPairOfEveryBucket()
    {
        var visitor = Feed(storageVersion: null);
        Assert.Equal("all-buckets", visitor.TotalKeySemantics);
        Assert.Equal(5, visitor.TotalKey); // 4 revisions + 1 meta pair
        Assert.Equal(1, visitor.LiveKeyCount);
    }

    [Fact]
    public void TotalKey_WithStorageVersion_CountsLiveUserKeysAsEtcd36()
    {
        var visitor = Feed(storageVersion: "3.6.0");
        Assert.Equal("live-keys", visitor.TotalKeySemantics);
        Assert.Equal(1, visitor.TotalKey);
        Assert.Equal("3.6.0", visitor.StorageVersion);
        Assert.Equal(4, visitor.Revision);
    }

    /// <summary>a written twice, b written then deleted: one live key at revision 4.</summary>
    private static EtcdDbVisitor Feed(string? storageVersion)
    {
        var visitor = new EtcdDbVisitor(_ => 0);
        visitor.EnterBucket("key"u8, 1);
        visitor.Pair(Revision(1, tombstone: false), KeyValue("a"), false, 1);
        visitor.Pair(Revision(2, tombstone: false), KeyValue("b"), false, 1);
        visitor.Pair(Revision(3, tombstone: false), KeyValue("a"), false, 1);
        visitor.Pair(Revision(4, tombstone: true), KeyValue("b"), false, 1);
        visitor.EnterBucket("meta"u8, 1);
        visitor.Pair(storageVersion is null ? "consistent_index"u8 : "storageVersion"u8,
            storageVersion is null ? new byte[8] : Encoding.ASCII.GetBytes(storageVersion), false, 1);
        return visitor;
    }

    private static byte[] Revision(long main, bool tombstone)
    {
        var key = new byte[tombstone ? 18 : 17];
        BinaryPrimitives.WriteInt64BigEndian(key, main);
        key[8] = (byte)'_';
        if (tombstone)
        {
            key[17] = (byte)'t';
        }

        return key;
    }

    private static byte[] KeyValue(string key) => [0x0A, (byte)key.Length, .. Encoding.ASCII.GetBytes(key)];
}
