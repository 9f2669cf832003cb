using System.IO.MemoryMappedFiles;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pitcrew.Snapshots.Bolt;

/// <summary>A read-only memory map of a whole file, handing out bounds-checked spans.</summary>
internal sealed unsafe partial class MappedFile : IDisposable
{
    /// <summary>
    /// Touched pages of a mapping count in the process's RSS until unmapped. Dropping them from the mapping this often
    /// (they stay in the page cache; a later access faults them back in) keeps a walk of a 1 GB file under ~100 MB RSS.
    /// </summary>
    private const long ReleaseEveryBytes = 64 << 20;
    private long _handedOut;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    private MappedFile(MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        _map = map;
        _view = view;
        Length = length;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
    }

    public long Length { get; }

    /// <summary>Maps an open, non-empty file; the stream is owned by the map afterwards.</summary>
    public static MappedFile Map(FileStream stream)
    {
        var length = stream.Length;
        var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        try
        {
            var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new MappedFile(map, view, length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Returns length bytes at offset; the caller has checked the range against <see cref="Length"/>.</summary>
    public ReadOnlySpan<byte> Span(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset > Length - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"range {offset}+{length} outside file of {Length} bytes");
        }

        _handedOut += length;
        if (_handedOut >= ReleaseEveryBytes)
        {
            // Spans handed out earlier stay valid: the addresses remain mapped and fault back in on access.
            _handedOut = 0;
            ReleaseResident();
        }

        return new ReadOnlySpan<byte>(_base + offset, length);
    }

    /// <summary>Where a span handed out by <see cref="Span"/> starts in the file.</summary>
    public long OffsetOf(ReadOnlySpan<byte> span)
    {
        // Not `fixed`: it yields null for an empty slice, which still has a place in the file.
        var start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        var offset = start - _base;
        if (offset < 0 || offset > Length - span.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(span), "span does not lie in this file");
        }

        return offset;
    }

    /// <summary>
    /// Drops the mapping's pages from this process's resident set (Linux); they stay in the page cache and fault
    /// back in with the same bytes when read again, so spans remain valid. Keeps a long streaming pass flat.
    /// </summary>
    public void ReleaseResident()
    {
        if (OperatingSystem.IsLinux() && Length > 0)
        {
            _ = Madvise((nint)_base - (nint)_view.PointerOffset, (nuint)(Length + _view.PointerOffset), DontNeed);
        }
    }

    private const int DontNeed = 4;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "madvise")]
    private static partial int Madvise(nint address, nuint length, int advice);

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
