using System.Buffers.Binary;

namespace Pitcrew.Snapshots.Bolt;

/// <summary>Receives one pair of a bucket.</summary>
internal delegate void BoltPairHandler(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value);

/// <summary>
/// Targeted reads that touch only the pages they need (one bucket, or the rightmost path of a tree), so that
/// reading a snapshot's revision costs a few pages, not the whole file. Bounds-checked; loops are refused.
/// </summary>
internal sealed class BoltLookup
{
    private readonly BoltFile _file;
    /// <summary>Pages reached by the current call; a page reached twice means a loop.</summary>
    private readonly HashSet<ulong> _visited = [];

    public BoltLookup(BoltFile file)
    {
        _file = file;
    }

    /// <summary>Finds a top-level bucket; null when absent.</summary>
    public BoltBucketRef? FindBucket(ReadOnlySpan<byte> name)
    {
        BoltBucketRef? found = null;
        var wanted = name.ToArray();
        ForEach(new BoltBucketRef(_file.Meta.Root, null), (key, value) =>
        {
            if (found is null && key.SequenceEqual(wanted) && value.Length >= BoltPage.InlineBucketHeaderSize)
            {
                var root = BinaryPrimitives.ReadUInt64LittleEndian(value);
                found = new BoltBucketRef(root, root == 0 ? value[BoltPage.InlineBucketHeaderSize..].ToArray() : null);
            }
        });
        return found;
    }

    /// <summary>Calls the handler for every pair of the bucket, in key order.</summary>
    public void ForEach(BoltBucketRef bucket, BoltPairHandler handler) => Walk(bucket, handler, lastOnly: false);

    /// <summary>Calls the handler for the bucket's greatest key only, following the rightmost path.</summary>
    public void Last(BoltBucketRef bucket, BoltPairHandler handler) => Walk(bucket, handler, lastOnly: true);

    private void Walk(BoltBucketRef bucket, BoltPairHandler handler, bool lastOnly)
    {
        _visited.Clear();
        if (bucket.Inline is { } inline)
        {
            Leaf(0, inline, handler, lastOnly);
            return;
        }

        Visit(bucket.Root, handler, lastOnly, 0);
    }

    private void Visit(ulong pgid, BoltPairHandler handler, bool lastOnly, int level)
    {
        if (level > BoltWalker.MaxDepth || !_visited.Add(pgid))
        {
            throw Corrupt($"page {pgid}: reached twice or tree too deep");
        }

        var page = Page(pgid);
        var count = BoltPage.Count(page);
        if (BoltPage.HeaderSize + (count * BoltPage.ElementSize) > page.Length)
        {
            throw Corrupt($"page {pgid}: {count} elements do not fit in the page");
        }

        switch (BoltPage.Flags(page))
        {
            case BoltPage.LeafFlag:
                Leaf(pgid, page, handler, lastOnly);
                break;
            case BoltPage.BranchFlag:
                for (var i = lastOnly ? count - 1 : 0; i < count; i++)
                {
                    var element = BoltPage.HeaderSize + (i * BoltPage.ElementSize);
                    Visit(BinaryPrimitives.ReadUInt64LittleEndian(page[(element + 8)..]), handler, lastOnly, level + 1);
                }

                break;
            default:
                throw Corrupt($"page {pgid}: {BoltPage.FlagName(BoltPage.Flags(page))} page where a branch or leaf was expected");
        }
    }

    private void Leaf(ulong pgid, ReadOnlySpan<byte> page, BoltPairHandler handler, bool lastOnly)
    {
        if (page.Length < BoltPage.HeaderSize)
        {
            throw Corrupt($"page {pgid}: inline bucket too short");
        }

        int count = BoltPage.Count(page);
        if (BoltPage.HeaderSize + (count * BoltPage.ElementSize) > page.Length)
        {
            throw Corrupt($"page {pgid}: {count} elements do not fit in the page");
        }

        for (var i = lastOnly ? count - 1 : 0; i >= 0 && i < count; i++)
        {
            var element = BoltPage.HeaderSize + (i * BoltPage.ElementSize);
            var pos = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 4)..]);
            var keySize = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 8)..]);
            var valueSize = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 12)..]);
            if ((long)element + pos + keySize + valueSize > page.Length)
            {
                throw Corrupt($"page {pgid}: leaf element {i} points outside the page");
            }

            handler(page.Slice(element + (int)pos, (int)keySize), page.Slice(element + (int)pos + (int)keySize, (int)valueSize));
        }
    }

    private ReadOnlySpan<byte> Page(ulong pgid)
    {
        var highWater = _file.Meta.HighWaterPage;
        if (pgid < 2 || pgid >= highWater)
        {
            throw Corrupt($"page {pgid}: out of bounds (database has {highWater} pages)");
        }

        var offset = (long)pgid * _file.PageSize;
        var overflow = BoltPage.Overflow(_file.Span(offset, BoltPage.HeaderSize));
        if (pgid + overflow + 1 > highWater)
        {
            throw Corrupt($"page {pgid}: {overflow} overflow pages run past the end of the database");
        }

        return _file.Span(offset, checked((int)((overflow + 1) * (long)_file.PageSize)));
    }

    private SnapshotFormatException Corrupt(string why) => SnapshotFormatException.Corrupt(_file.Path, why);
}

/// <summary>A bucket's root page, or a copy of its inline page when the root is 0.</summary>
internal sealed record BoltBucketRef(ulong Root, byte[]? Inline);
