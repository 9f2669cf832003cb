namespace Pitcrew.Backups;

/// <summary>
/// Reads a file while another task is still writing it (the snapshot spool): a read that reaches the current end
/// waits for the writer's next signal, and only <see cref="Complete"/> turns the end into end-of-stream. The writer
/// renames PATH.part to PATH when done; an open handle survives the rename, and a late open tries both names.
/// </summary>
internal sealed partial class GrowingFileStream(string path) : ForwardReadStream
{
    private const int OReadOnlyCloseOnExec = 0x80000;

    private readonly SemaphoreSlim _signal = new(0);
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _handle;
    private long _position;
    private volatile bool _complete;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>More bytes were written.</summary>
    public void Notify() => _signal.Release();

    /// <summary>The writer finished successfully: the file is whole.</summary>
    public void Complete()
    {
        _complete = true;
        _signal.Release();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // Read "complete" before reading the file, so a read that comes up short after it is truly the end.
            var complete = _complete;
            if (Open(complete) is { } handle)
            {
                var n = await RandomAccess.ReadAsync(handle, buffer, _position, cancellationToken).ConfigureAwait(false);
                if (n > 0)
                {
                    _position += n;
                    return n;
                }
            }

            if (complete)
            {
                return 0;
            }

            await _signal.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle?.Dispose();
            _signal.Dispose();
        }

        base.Dispose(disposing);
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle? Open(bool complete)
    {
        if (_handle is not null)
        {
            return _handle;
        }

        foreach (var candidate in complete ? new[] { path } : [path + ".part", path])
        {
            // open(2) directly: .NET takes an advisory lock on open, and the writer holds its file exclusively.
            var fd = OpenReadOnly(candidate, OReadOnlyCloseOnExec);
            if (fd >= 0)
            {
                return _handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
            }
        }

        if (complete)
        {
            throw new FileNotFoundException($"the snapshot spool {path} is gone", path);
        }

        return null;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "open", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8,
        SetLastError = true)]
    private static partial int OpenReadOnly(string path, int flags);
}
