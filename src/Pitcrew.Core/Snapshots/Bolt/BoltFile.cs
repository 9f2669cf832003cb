namespace Pitcrew.Snapshots.Bolt;

/// <summary>An open, memory-mapped bbolt file (optionally followed by etcd's 32-byte SHA-256 trailer) with its active meta.</summary>
internal sealed class BoltFile : IDisposable
{
    public const int TrailerSize = SnapshotFileLayout.TrailerSize;
    private const int SectorSize = 512;
    private const int ProbeLimit = 15;

    private readonly MappedFile _file;

    private BoltFile(string path, MappedFile file, BoltMeta meta, bool hasTrailer)
    {
        Path = path;
        _file = file;
        Meta = meta;
        HasTrailer = hasTrailer;
        DataLength = hasTrailer ? file.Length - TrailerSize : file.Length;
    }

    public string Path { get; }

    public BoltMeta Meta { get; }

    public int PageSize => (int)Meta.PageSize;

    public long FileLength => _file.Length;

    /// <summary>Bytes of the database proper, without the trailer.</summary>
    public long DataLength { get; }

    /// <summary>Size the database claims: high-water page times page size (etcdctl's TOTAL SIZE).</summary>
    public long DatabaseSize => (long)Meta.HighWaterPage * PageSize;

    public bool HasTrailer { get; }

    public ReadOnlySpan<byte> Trailer => HasTrailer ? _file.Span(DataLength, TrailerSize) : default;

    public ReadOnlySpan<byte> Span(long offset, int length) => _file.Span(offset, length);

    public long OffsetOf(ReadOnlySpan<byte> span) => _file.OffsetOf(span);

    /// <summary>Lets go of the mapped pages read so far (they stay cached and are re-read on demand).</summary>
    public void ReleaseResident() => _file.ReleaseResident();

    /// <summary>Opens and validates the file's framing; throws <see cref="SnapshotFormatException"/> with a one-line reason.</summary>
    public static BoltFile Open(string path)
    {
        var stream = OpenStream(path);
        MappedFile? mapped = null;
        try
        {
            if (stream.Length == 0)
            {
                throw SnapshotFormatException.NotASnapshot(path, "file is empty (0 bytes)");
            }

            mapped = MappedFile.Map(stream);
            var meta = ChooseMeta(path, mapped);
            var hasTrailer = mapped.Length % SectorSize == TrailerSize;
            var file = new BoltFile(path, mapped, meta, hasTrailer);
            file.CheckSize();
            return file;
        }
        catch
        {
            if (mapped is null)
            {
                stream.Dispose();
            }
            else
            {
                mapped.Dispose();
            }

            throw;
        }
    }

    public void Dispose() => _file.Dispose();

    private void CheckSize()
    {
        if (DataLength % PageSize != 0)
        {
            throw SnapshotFormatException.Truncated(Path,
                $"{FileLength} bytes is neither whole {PageSize}-byte pages nor pages plus a 32-byte hash trailer");
        }

        if (Meta.HighWaterPage < 2 || DatabaseSize > DataLength)
        {
            throw SnapshotFormatException.Truncated(Path,
                $"the database spans {DatabaseSize} bytes but the file holds {DataLength}");
        }

        if (HasTrailer && DatabaseSize != DataLength)
        {
            throw SnapshotFormatException.Corrupt(Path,
                $"the database spans {DatabaseSize} bytes but {DataLength} bytes precede the hash trailer");
        }
    }

    private static FileStream OpenStream(string path)
    {
        if (Directory.Exists(path))
        {
            throw new SnapshotFormatException($"{path}: is a directory, not a snapshot file", ExitCodes.FileUnreadable);
        }

        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SnapshotFormatException($"{path}: no such file", ExitCodes.FileNotFound, e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw UnreadableFile(path, e);
        }
    }

    /// <summary>Maps an open failure to the user-facing error (also used by tests, since root reads any file).</summary>
    internal static SnapshotFormatException UnreadableFile(string path, Exception e) => e switch
    {
        UnauthorizedAccessException => new SnapshotFormatException($"{path}: permission denied", ExitCodes.FileUnreadable, e),
        _ => new SnapshotFormatException($"{path}: cannot read: {e.Message}", ExitCodes.FileUnreadable, e),
    };

    private static BoltMeta ChooseMeta(string path, MappedFile file)
    {
        var meta0 = ReadMeta(file, 0);
        var pageSize = meta0?.Problem is null ? meta0?.PageSize : null;
        BoltMeta? meta1 = null;
        if (pageSize is { } size)
        {
            meta1 = ReadMeta(file, size);
        }
        else
        {
            // Meta 0 is damaged: find meta 1 by probing the page sizes bbolt allows.
            for (var i = 0; i < ProbeLimit; i++)
            {
                long offset = 1024L << i;
                if (offset >= file.Length - 1024)
                {
                    break;
                }

                var candidate = ReadMeta(file, offset);
                if (candidate?.Problem is null && candidate?.PageSize == offset)
                {
                    meta1 = candidate;
                    break;
                }
            }
        }

        var valid0 = meta0?.Problem is null ? meta0 : null;
        var valid1 = meta1?.Problem is null && (valid0 is null || meta1?.PageSize == valid0.Value.PageSize) ? meta1 : null;
        var chosen = (valid0, valid1) switch
        {
            ({ } a, { } b) => a.TxId >= b.TxId ? a : b,
            ({ } a, null) => a,
            (null, { } b) => b,
            _ => (BoltMeta?)null,
        };

        if (chosen is null)
        {
            var why = meta0 is null ? $"only {file.Length} bytes" : $"no valid bbolt meta page ({meta0.Value.Problem})";
            throw SnapshotFormatException.NotASnapshot(path, why);
        }

        return chosen.Value;
    }

    private static BoltMeta? ReadMeta(MappedFile file, long pageOffset)
    {
        var start = pageOffset + BoltPage.HeaderSize;
        if (start + BoltMeta.Size > file.Length)
        {
            return null;
        }

        return BoltMeta.Read(file.Span(start, BoltMeta.Size));
    }
}
