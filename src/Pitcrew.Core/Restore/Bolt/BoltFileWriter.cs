using System.Buffers.Binary;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore.Bolt;

/// <summary>
/// Writes a new bbolt file front to back: pages are appended in id order, top-level buckets are added in name
/// order, and <see cref="Complete"/> writes the root tree, an empty freelist and both meta pages.
/// </summary>
/// <remarks>Every page written is reachable, so the freelist is empty; bbolt grows the file from the high-water mark.</remarks>
internal sealed class BoltFileWriter : IDisposable
{
    public const int DefaultPageSize = 4096;
    private const int MetaPages = 2;
    private const int WriteBuffer = 1 << 20;
    private const ulong FirstTxId = 1;

    private readonly FileStream _stream;
    private readonly List<(byte[] Name, ulong Root)> _buckets = [];
    private byte[] _scratch;
    private ulong _nextPage = MetaPages;
    private BoltTreeBuilder? _open;

    public BoltFileWriter(string path, int pageSize = DefaultPageSize)
    {
        PageSize = pageSize;
        _scratch = new byte[pageSize];
        _stream = PrivateFiles.CreateNew(path, WriteBuffer);
        _stream.Position = (long)MetaPages * pageSize;
    }

    public int PageSize { get; }

    /// <summary>Pages written so far, meta pages included.</summary>
    public ulong PageCount => _nextPage;

    /// <summary>Starts the next top-level bucket; names must arrive in ascending byte order.</summary>
    public BoltTreeBuilder BeginBucket(ReadOnlySpan<byte> name)
    {
        CloseBucket();
        if (_buckets.Count > 0 && name.SequenceCompareTo(_buckets[^1].Name) <= 0)
        {
            throw new InvalidOperationException("buckets must be added in ascending name order");
        }

        _buckets.Add((name.ToArray(), 0));
        _open = new BoltTreeBuilder(this);
        return _open;
    }

    /// <summary>Appends a laid-out page at the next free id and returns that id.</summary>
    public ulong Append(BoltPageBuilder page)
    {
        var pgid = _nextPage;
        var pages = page.Write(pgid, ref _scratch);
        _stream.Write(_scratch, 0, pages * PageSize);
        _nextPage += (ulong)pages;
        return pgid;
    }

    /// <summary>Finishes the last bucket, writes the root tree, freelist and metas, and flushes to disk.</summary>
    public void Complete()
    {
        CloseBucket();
        var root = new BoltTreeBuilder(this);
        Span<byte> header = stackalloc byte[BoltPage.InlineBucketHeaderSize];
        foreach (var (name, bucketRoot) in _buckets)
        {
            header.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(header, bucketRoot);
            root.Add(name, header, BoltPage.BucketLeafFlag);
        }

        var rootPage = root.Finish();
        var freelist = _nextPage;
        var page = _scratch.AsSpan(0, PageSize);
        page.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(page, freelist);
        BinaryPrimitives.WriteUInt16LittleEndian(page[8..], BoltPage.FreelistFlag);
        _stream.Write(_scratch, 0, PageSize);
        _nextPage++;

        for (var i = 0; i < MetaPages; i++)
        {
            // Both metas are valid and name the same tree; the higher txid is the one bbolt opens.
            WriteMeta((ulong)i, rootPage, freelist, FirstTxId + (ulong)i);
        }

        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();

    private void CloseBucket()
    {
        if (_open is null)
        {
            return;
        }

        _buckets[^1] = (_buckets[^1].Name, _open.Finish());
        _open = null;
    }

    private void WriteMeta(ulong pgid, ulong root, ulong freelist, ulong txid)
    {
        var page = _scratch.AsSpan(0, PageSize);
        page.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(page, pgid);
        BinaryPrimitives.WriteUInt16LittleEndian(page[8..], BoltPage.MetaFlag);
        var meta = page[BoltPage.HeaderSize..];
        BinaryPrimitives.WriteUInt32LittleEndian(meta, BoltMeta.ExpectedMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(meta[4..], BoltMeta.ExpectedVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(meta[8..], (uint)PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(meta[16..], root);
        BinaryPrimitives.WriteUInt64LittleEndian(meta[32..], freelist);
        BinaryPrimitives.WriteUInt64LittleEndian(meta[40..], _nextPage);
        BinaryPrimitives.WriteUInt64LittleEndian(meta[48..], txid);
        BinaryPrimitives.WriteUInt64LittleEndian(meta[56..], BoltMeta.Fnv1a64(meta[..56]));
        _stream.Position = (long)pgid * PageSize;
        _stream.Write(_scratch, 0, PageSize);
    }
}
