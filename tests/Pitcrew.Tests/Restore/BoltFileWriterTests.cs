using System.Text;
using Pitcrew.Restore.Bolt;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Tests.Restore;

public sealed class BoltFileWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-bolt-").FullName;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(300)]
    [InlineData(20_000)]
    public void Written_File_ReadsBackPairForPairThroughTheCheckingWalker(int pairs)
    {
        var path = Path.Combine(_dir, $"{pairs}.db");
        var expected = new List<(string Bucket, string Key, byte[] Value)>();
        var random = new Random(pairs);
        using (var writer = new BoltFileWriter(path))
        {
            foreach (var bucket in new[] { "alpha", "empty", "key", "zeta" })
            {
                var tree = writer.BeginBucket(Encoding.UTF8.GetBytes(bucket));
                var count = bucket == "empty" ? 0 : pairs;
                for (var i = 0; i < count; i++)
                {
                    // Mostly small values, some spanning several overflow pages, a few long keys.
                    var value = new byte[i % 997 == 0 ? 3 * 4096 + random.Next(4096) : random.Next(200)];
                    random.NextBytes(value);
                    var key = $"{i:D8}" + (i % 501 == 0 ? new string('k', 3000) : string.Empty);
                    tree.Add(Encoding.UTF8.GetBytes(key), value);
                    expected.Add((bucket, key, value));
                }
            }

            writer.Complete();
        }

        var seen = new Recorder();
        using (var file = BoltFile.Open(path))
        {
            var walker = new BoltWalker(file);
            walker.Walk(seen);
            Assert.Equal((long)file.Meta.HighWaterPage, walker.PagesInUse);
            Assert.Equal(new FileInfo(path).Length, file.DatabaseSize);
        }

        Assert.Equal(["alpha", "empty", "key", "zeta"], seen.Buckets);
        Assert.Equal(expected.Count, seen.Pairs.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Bucket, seen.Pairs[i].Bucket);
            Assert.Equal(expected[i].Key, seen.Pairs[i].Key);
            Assert.Equal(expected[i].Value, seen.Pairs[i].Value);
        }
    }

    [Fact]
    public void Keys_OutOfOrder_AreRefused()
    {
        using var writer = new BoltFileWriter(Path.Combine(_dir, "order.db"));
        var tree = writer.BeginBucket("b"u8);
        tree.Add("b"u8, []);

        Assert.Throws<InvalidOperationException>(() => tree.Add("a"u8, []));
        Assert.Throws<InvalidOperationException>(() => writer.BeginBucket("a"u8));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class Recorder : BoltVisitor
    {
        private string _bucket = string.Empty;

        public List<string> Buckets { get; } = [];

        public List<(string Bucket, string Key, byte[] Value)> Pairs { get; } = [];

        public override void EnterBucket(ReadOnlySpan<byte> name, int depth)
        {
            _bucket = Encoding.UTF8.GetString(name);
            Buckets.Add(_bucket);
        }

        public override void Pair(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool isBucket, int depth) =>
            Pairs.Add((_bucket, Encoding.UTF8.GetString(key), value.ToArray()));
    }
}
