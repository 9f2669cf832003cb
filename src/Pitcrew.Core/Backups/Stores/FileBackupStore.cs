using Pitcrew.Files;

namespace Pitcrew.Backups.Stores;

/// <summary>A directory of backup objects: atomic writes (NAME.part, 0600, fsync, rename), O_EXCL creates.</summary>
internal sealed class FileBackupStore(string directory, string location) : IBackupStore
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const string PartSuffix = ".part";

    private readonly string _directory = directory;

    public string Location { get; } = location;

    public bool AtomicCreate => true;

    public Task<IObjectUpload> OpenWriteAsync(string name, CancellationToken cancellationToken)
    {
        EnsureDirectory();
        return Task.FromResult<IObjectUpload>(new Upload(AtomicFile.Create(PathOf(name)), name));
    }

    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream>(new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 18,
                FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PitcrewException($"{Location}: no object {name}", ExitCodes.FileNotFound, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PitcrewException($"{Location}: cannot read {name}: {e.Message}", ExitCodes.FileUnreadable, e);
        }
    }

    public async Task<byte[]?> ReadSmallAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(name), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<StoredObject?> StatAsync(string name, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(name));
        return Task.FromResult(info.Exists ? ToObject(info) : null);
    }

    public Task<bool> CanReadAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            using var probe = new FileStream(PathOf(name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            return Task.FromResult(true);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return Task.FromResult(false);
        }
    }

    public Task<IReadOnlyList<StoredObject>> ListAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_directory))
        {
            return Task.FromResult<IReadOnlyList<StoredObject>>([]);
        }

        IReadOnlyList<StoredObject> objects = [.. new DirectoryInfo(_directory).EnumerateFiles()
            .Where(f => !f.Name.EndsWith(PartSuffix, StringComparison.Ordinal))
            .Select(ToObject)
            .OrderBy(o => o.Name, StringComparer.Ordinal)];
        return Task.FromResult(objects);
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(name));
        return Task.CompletedTask;
    }

    public async Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        EnsureDirectory();
        FileStream stream;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = PrivateFile;
            }

            stream = new FileStream(PathOf(name), options);
        }
        catch (IOException) when (File.Exists(PathOf(name)))
        {
            return false;
        }

        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
#pragma warning disable CA1849 // fsync has no asynchronous form.
            stream.Flush(flushToDisk: true);
#pragma warning restore CA1849
        }

        return true;
    }

    public async Task PutSmallAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        EnsureDirectory();
        await using var file = AtomicFile.Create(PathOf(name));
        await file.Stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
        await file.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<int> AbortStaleUploadsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_directory))
        {
            return Task.FromResult(0);
        }

        var removed = 0;
        foreach (var part in new DirectoryInfo(_directory).EnumerateFiles("*" + PartSuffix))
        {
            if (new DateTimeOffset(part.LastWriteTimeUtc, TimeSpan.Zero) < before)
            {
                part.Delete();
                removed++;
            }
        }

        return Task.FromResult(removed);
    }

    public void Dispose()
    {
    }

    private string PathOf(string name) =>
        name.Contains('/', StringComparison.Ordinal) || name is "." or ".."
            ? throw new PitcrewException($"invalid object name \"{name}\"", ExitCodes.Usage)
            : Path.Combine(_directory, name);

    private void EnsureDirectory()
    {
        if (Directory.Exists(_directory))
        {
            return;
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(_directory);
            }
            else
            {
                Directory.CreateDirectory(_directory, PrivateDirectory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PitcrewException($"cannot create the backup store directory {_directory}: {e.Message}", ExitCodes.Failed, e);
        }
    }

    private static StoredObject ToObject(FileInfo info) =>
        new(info.Name, info.Length, new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero));

    private sealed class Upload(AtomicFile file, string name) : IObjectUpload
    {
        public Stream Stream => file.Stream;

        public async Task<StoredObject> CommitAsync(CancellationToken cancellationToken)
        {
            await file.CommitAsync(cancellationToken).ConfigureAwait(false);
            return ToObject(new FileInfo(file.Path)) with { Name = name };
        }

        public ValueTask DisposeAsync() => file.DisposeAsync();
    }
}
