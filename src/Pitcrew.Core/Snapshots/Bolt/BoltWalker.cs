using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Pitcrew.Snapshots.Bolt;

/// <summary>
/// Walks every bucket of a bbolt file in key order and checks its structure on the way: pages in bounds and
/// reached once, valid page types, element bounds inside their page, keys strictly ascending.
/// </summary>
internal sealed class BoltWalker
{
    /// <summary>Deeper than any real B+tree or bucket nesting; guards the recursion against crafted files.</summary>
    public const int MaxDepth = 64;

    private const byte Unseen = 0;
    private const byte InUse = 1;
    private const byte Free = 2;

    private readonly BoltFile _file;
    private readonly byte[] _pages;

    public BoltWalker(BoltFile file)
    {
        _file = file;
        _pages = new byte[checked((int)file.Meta.HighWaterPage)];
    }

    /// <summary>Pages reached by the walk, meta and freelist pages included.</summary>
    public long PagesInUse { get; private set; }

    /// <summary>Walks the whole file; throws <see cref="SnapshotFormatException"/> naming the first problem.</summary>
    public void Walk(BoltVisitor visitor)
    {
        Mark(0, 0, InUse);
        Mark(1, 0, InUse);
        var hasFreelist = _file.Meta.Freelist != BoltMeta.NoFreelist;
        if (hasFreelist)
        {
            ReadFreelist(_file.Meta.Freelist);
        }

        WalkTree(_file.Meta.Root, 0, visitor, isRoot: true);

        if (hasFreelist)
        {
            var unreachable = Array.IndexOf(_pages, Unseen);
            if (unreachable >= 0)
            {
                throw Corrupt($"page {unreachable}: unreachable and not free");
            }
        }
    }

    private void WalkTree(ulong root, int depth, BoltVisitor visitor, bool isRoot)
    {
        WalkPage(root, depth, 0, visitor, isRoot, new KeyOrder());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkPage(ulong pgid, int depth, int treeLevel, BoltVisitor visitor, bool isRoot, KeyOrder order)
    {
        if (treeLevel > MaxDepth)
        {
            throw Corrupt($"page {pgid}: tree deeper than {MaxDepth} levels");
        }

        var page = ReadPage(pgid);
        var flags = BoltPage.Flags(page);
        switch (flags)
        {
            case BoltPage.BranchFlag:
                WalkBranch(pgid, page, depth, treeLevel, visitor, isRoot, order);
                break;
            case BoltPage.LeafFlag:
                WalkLeaf(pgid, page, depth, visitor, isRoot, order);
                break;
            default:
                throw Corrupt($"page {pgid}: {BoltPage.FlagName(flags)} page where a branch or leaf was expected");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkBranch(ulong pgid, ReadOnlySpan<byte> page, int depth, int treeLevel, BoltVisitor visitor, bool isRoot, KeyOrder order)
    {
        var count = CheckElementArray(pgid, page);
        if (count == 0)
        {
            throw Corrupt($"page {pgid}: branch page with no elements");
        }

        for (var i = 0; i < count; i++)
        {
            var element = BoltPage.HeaderSize + (i * BoltPage.ElementSize);
            var pos = BinaryPrimitives.ReadUInt32LittleEndian(page[element..]);
            var keySize = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 4)..]);
            var child = BinaryPrimitives.ReadUInt64LittleEndian(page[(element + 8)..]);
            if ((long)element + pos + keySize > page.Length)
            {
                throw Corrupt($"page {pgid}: branch element {i} points outside the page");
            }

            WalkPage(child, depth, treeLevel + 1, visitor, isRoot, order);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WalkLeaf(ulong pgid, ReadOnlySpan<byte> page, int depth, BoltVisitor visitor, bool isRoot, KeyOrder order)
    {
        var count = CheckElementArray(pgid, page);
        for (var i = 0; i < count; i++)
        {
            var element = BoltPage.HeaderSize + (i * BoltPage.ElementSize);
            var flags = BinaryPrimitives.ReadUInt32LittleEndian(page[element..]);
            var pos = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 4)..]);
            var keySize = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 8)..]);
            var valueSize = BinaryPrimitives.ReadUInt32LittleEndian(page[(element + 12)..]);
            if ((long)element + pos + keySize + valueSize > page.Length)
            {
                throw Corrupt($"page {pgid}: leaf element {i} points outside the page");
            }

            var key = page.Slice(element + (int)pos, (int)keySize);
            var value = page.Slice(element + (int)pos + (int)keySize, (int)valueSize);
            order.Check(key, this, pgid);
            var isBucket = (flags & BoltPage.BucketLeafFlag) != 0;
            if (isRoot && !isBucket)
            {
                throw Corrupt($"page {pgid}: top-level entry \"{Printable(key)}\" is not a bucket");
            }

            if (isBucket)
            {
                if (!isRoot)
                {
                    visitor.Pair(key, default, isBucket: true, depth);
                }

                visitor.EnterBucket(key, depth + 1);
                WalkBucket(pgid, value, depth + 1, visitor);
            }
            else
            {
                visitor.Pair(key, value, isBucket: false, depth);
            }
        }
    }

    private void WalkBucket(ulong pgid, ReadOnlySpan<byte> header, int depth, BoltVisitor visitor)
    {
        if (depth > MaxDepth)
        {
            throw Corrupt($"page {pgid}: buckets nested deeper than {MaxDepth} levels");
        }

        if (header.Length < BoltPage.InlineBucketHeaderSize)
        {
            throw Corrupt($"page {pgid}: bucket header of {header.Length} bytes");
        }

        var root = BinaryPrimitives.ReadUInt64LittleEndian(header);
        if (root != 0)
        {
            WalkTree(root, depth, visitor, isRoot: false);
            return;
        }

        var inline = header[BoltPage.InlineBucketHeaderSize..];
        if (inline.Length < BoltPage.HeaderSize || BoltPage.Flags(inline) != BoltPage.LeafFlag)
        {
            throw Corrupt($"page {pgid}: inline bucket is not a leaf");
        }

        // An inline page lives inside its parent's value: nothing new to mark, same element rules.
        WalkLeaf(pgid, inline, depth, visitor, isRoot: false, new KeyOrder());
    }

    private int CheckElementArray(ulong pgid, ReadOnlySpan<byte> page)
    {
        int count = BoltPage.Count(page);
        if (BoltPage.HeaderSize + ((long)count * BoltPage.ElementSize) > page.Length)
        {
            throw Corrupt($"page {pgid}: {count} elements do not fit in the page");
        }

        return count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<byte> ReadPage(ulong pgid)
    {
        var highWater = _file.Meta.HighWaterPage;
        if (pgid < 2 || pgid >= highWater)
        {
            throw Corrupt($"page {pgid}: out of bounds (database has {highWater} pages)");
        }

        var offset = (long)pgid * _file.PageSize;
        var header = _file.Span(offset, BoltPage.HeaderSize);
        var overflow = BoltPage.Overflow(header);
        if (BoltPage.Id(header) != pgid)
        {
            throw Corrupt($"page {pgid}: header carries id {BoltPage.Id(header)}");
        }

        if (pgid + overflow + 1 > highWater)
        {
            throw Corrupt($"page {pgid}: {overflow} overflow pages run past the end of the database");
        }

        if (_pages[pgid] == Unseen)
        {
            Mark(pgid, overflow, InUse);
        }

        return _file.Span(offset, checked((int)((overflow + 1) * (long)_file.PageSize)));
    }

    private void Mark(ulong pgid, uint overflow, byte state)
    {
        for (var p = pgid; p <= pgid + overflow; p++)
        {
            if (_pages[p] != Unseen)
            {
                var what = _pages[p] == Free ? "both free and in use" : "reached twice";
                throw Corrupt($"page {p}: {what}");
            }

            _pages[p] = state;
            if (state == InUse)
            {
                PagesInUse++;
            }
        }
    }

    private void ReadFreelist(ulong pgid)
    {
        var page = ReadPage(pgid);
        if (BoltPage.Flags(page) != BoltPage.FreelistFlag)
        {
            throw Corrupt($"page {pgid}: {BoltPage.FlagName(BoltPage.Flags(page))} page where the freelist was expected");
        }

        long count = BoltPage.Count(page);
        var start = BoltPage.HeaderSize;
        if (count == ushort.MaxValue)
        {
            count = (long)BinaryPrimitives.ReadUInt64LittleEndian(page[start..]);
            start += 8;
        }

        if (count < 0 || start + (count * 8) > page.Length)
        {
            throw Corrupt($"page {pgid}: freelist of {count} ids does not fit in the page");
        }

        var ids = new ulong[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = BinaryPrimitives.ReadUInt64LittleEndian(page[(start + (i * 8))..]);
        }

        foreach (var id in ids)
        {
            if (id < 2 || id >= _file.Meta.HighWaterPage)
            {
                throw Corrupt($"page {pgid}: freelist names page {id}, out of bounds");
            }

            Mark(id, 0, Free);
        }
    }

    internal SnapshotFormatException Corrupt(string why) => SnapshotFormatException.Corrupt(_file.Path, why);

    internal static string Printable(ReadOnlySpan<byte> key)
    {
        var shown = key.Length > 40 ? key[..40] : key;
        var chars = new char[shown.Length];
        for (var i = 0; i < shown.Length; i++)
        {
            chars[i] = shown[i] is >= 0x20 and < 0x7f ? (char)shown[i] : '.';
        }

        return new string(chars) + (key.Length > 40 ? "..." : string.Empty);
    }

    /// <summary>Tracks the previous key of one tree so each key can be checked to be strictly greater.</summary>
    private sealed class KeyOrder
    {
        private byte[] _last = new byte[64];
        private int _length = -1;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Check(ReadOnlySpan<byte> key, BoltWalker walker, ulong pgid)
        {
            if (_length >= 0 && key.SequenceCompareTo(_last.AsSpan(0, _length)) <= 0)
            {
                throw walker.Corrupt($"page {pgid}: key \"{Printable(key)}\" out of order");
            }

            if (_last.Length < key.Length)
            {
                _last = new byte[Math.Max(key.Length, _last.Length * 2)];
            }

            key.CopyTo(_last);
            _length = key.Length;
        }
    }
}
