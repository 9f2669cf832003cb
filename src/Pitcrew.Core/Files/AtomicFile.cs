namespace Pitcrew.Files;

/// <summary>
/// Writes a file the crash-safe way: PATH.part with mode 0600, fsync, rename over PATH, fsync the directory.
/// The .part file is removed on every failure path, so a partial file never takes the final name.
/// </summary>
internal sealed class AtomicFile : IAsyncDisposable
{
    private const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const int BufferSize = 1 << 18;

    private readonly FileStream _stream;
    private bool _committed;

    private AtomicFile(string path, string partPath, FileStream stream)
    {
        Path = path;
        PartPath = partPath;
        _stream = stream;
    }

    public string Path { get; }

    public string PartPath { get; }

    public Stream Stream => _stream;

    /// <summary>Creates PATH.part (replacing a stale one) with owner-only permissions.</summary>
    public static AtomicFile Create(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new Errors.PitcrewException($"{path}: is a directory", Errors.ExitCodes.Usage);
        }

        var part = full + ".part";
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = BufferSize,
            Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateMode;
        }

        var stream = new FileStream(part, options);
        if (!OperatingSystem.IsWindows())
        {
            // A stale .part from an earlier crash keeps its old mode under FileMode.Create; force 0600.
            File.SetUnixFileMode(stream.SafeFileHandle, PrivateMode);
        }

        return new AtomicFile(full, part, stream);
    }

    /// <summary>Flushes to disk and moves the file into place; afterwards disposing keeps it.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        // fsync has no asynchronous form; this is the durability point.
#pragma warning disable CA1849
        _stream.Flush(flushToDisk: true);
#pragma warning restore CA1849
        await _stream.DisposeAsync().ConfigureAwait(false);
        File.Move(PartPath, Path, overwrite: true);
        _committed = true;
        DirectorySync.Flush(System.IO.Path.GetDirectoryName(Path)!);
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        if (!_committed)
        {
            File.Delete(PartPath);
        }
    }
}
