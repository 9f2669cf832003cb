using Pitcrew.Files;

namespace Pitcrew.Executors;

/// <summary>The copying part of an upload: a stream into a file written atomically (temporary name, 0600, fsync, rename), with progress.</summary>
internal static class UploadCopy
{
    private const int BufferSize = 1 << 18;

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> (its directory created 0700 when missing); progress gets the bytes so far.</summary>
    public static async Task<long> ToFileAsync(Stream source, string path, Action<long>? progress, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await using var file = AtomicFile.Create(path);
        var copied = await CopyAsync(source, file.Stream, progress, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
        return copied;
    }

    /// <summary>Copies a stream to another, reporting the bytes copied so far.</summary>
    public static async Task<long> CopyAsync(Stream source, Stream target, Action<long>? progress, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        long copied = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            copied += read;
            progress?.Invoke(copied);
        }

        return copied;
    }
}
