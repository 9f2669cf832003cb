using System.Buffers.Binary;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore.Bolt;

/// <summary>
/// Collects the elements of one bbolt page (leaf or branch) until the next one would not fit, then lays the page
/// out: 16-byte header, the element array, then each element's key (and value) in element order.
/// </summary>
internal sealed class BoltPageBuilder
{
    private const int MinBranchKeys = 2;
    private readonly bool _leaf;
    private readonly int _pageSize;
    private readonly List<Element> _elements = [];
    private byte[] _data = new byte[8192];
    private int _dataLength;

    public BoltPageBuilder(bool leaf, int pageSize)
    {
        _leaf = leaf;
        _pageSize = pageSize;
    }

    public int Count => _elements.Count;

    /// <summary>The first key on the page: what a parent branch element points at.</summary>
    public ReadOnlySpan<byte> FirstKey => _elements.Count == 0 ? default : _data.AsSpan(0, _elements[0].KeySize);

    /// <summary>
    /// True when the element still fits one page. A leaf takes its first element whatever its size, a branch its
    /// first two (keys may exceed a page): the page then spans overflow pages, as bbolt's own pages do. Two keys per
    /// branch page at least keep the tree narrowing towards one root.
    /// </summary>
    public bool Fits(int keySize, int valueSize) =>
        _elements.Count < (_leaf ? 1 : MinBranchKeys)
        || BoltPage.HeaderSize + ((long)(_elements.Count + 1) * BoltPage.ElementSize) + _dataLength + keySize + valueSize <= _pageSize;

    public void AddLeaf(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint flags)
    {
        var offset = Append(key, value);
        _elements.Add(new Element(offset, key.Length, value.Length, flags, 0));
    }

    public void AddBranch(ReadOnlySpan<byte> key, ulong child)
    {
        var offset = Append(key, default);
        _elements.Add(new Element(offset, key.Length, 0, 0, child));
    }

    /// <summary>Lays the page out into buffer (grown as needed) with the given id; returns the pages it spans.</summary>
    public int Write(ulong pgid, ref byte[] buffer)
    {
        var elementsEnd = BoltPage.HeaderSize + (_elements.Count * BoltPage.ElementSize);
        var size = elementsEnd + _dataLength;
        var pages = Math.Max(1, (size + _pageSize - 1) / _pageSize);
        var length = pages * _pageSize;
        if (buffer.Length < length)
        {
            buffer = new byte[length];
        }

        var page = buffer.AsSpan(0, length);
        page.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(page, pgid);
        BinaryPrimitives.WriteUInt16LittleEndian(page[8..], _leaf ? BoltPage.LeafFlag : BoltPage.BranchFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(page[10..], checked((ushort)_elements.Count));
        BinaryPrimitives.WriteUInt32LittleEndian(page[12..], (uint)(pages - 1));
        for (var i = 0; i < _elements.Count; i++)
        {
            var e = _elements[i];
            var at = BoltPage.HeaderSize + (i * BoltPage.ElementSize);
            var slot = page[at..];

            // bbolt stores each element's data position relative to the element itself.
            var pos = (uint)(elementsEnd + e.Offset - at);
            if (_leaf)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(slot, e.Flags);
                BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], pos);
                BinaryPrimitives.WriteUInt32LittleEndian(slot[8..], (uint)e.KeySize);
                BinaryPrimitives.WriteUInt32LittleEndian(slot[12..], (uint)e.ValueSize);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(slot, pos);
                BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], (uint)e.KeySize);
                BinaryPrimitives.WriteUInt64LittleEndian(slot[8..], e.Child);
            }
        }

        _data.AsSpan(0, _dataLength).CopyTo(page[elementsEnd..]);
        return pages;
    }

    public void Clear()
    {
        _elements.Clear();
        _dataLength = 0;
        if (_data.Length > 1 << 20)
        {
            // One huge value should not pin its buffer for the rest of the file.
            _data = new byte[8192];
        }
    }

    private int Append(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var needed = _dataLength + key.Length + value.Length;
        if (needed > _data.Length)
        {
            Array.Resize(ref _data, Math.Max(needed, _data.Length * 2));
        }

        var offset = _dataLength;
        key.CopyTo(_data.AsSpan(_dataLength));
        value.CopyTo(_data.AsSpan(_dataLength + key.Length));
        _dataLength = needed;
        return offset;
    }

    private readonly record struct Element(int Offset, int KeySize, int ValueSize, uint Flags, ulong Child);
}
