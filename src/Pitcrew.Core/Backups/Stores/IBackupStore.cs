namespace Pitcrew.Backups.Stores;

/// <summary>Where backups live: a flat namespace of objects under one location (a directory or a bucket prefix).</summary>
internal interface IBackupStore : IDisposable
{
    /// <summary>The store as the user named it, for messages (file:///backups, s3://bucket/prefix).</summary>
    string Location { get; }

    /// <summary>Whether <see cref="TryCreateAsync"/> is atomic (O_EXCL) rather than check-then-put with a read-back.</summary>
    bool AtomicCreate { get; }

    /// <summary>Starts writing an object; nothing takes its name until <see cref="IObjectUpload.CommitAsync"/>.</summary>
    Task<IObjectUpload> OpenWriteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Opens an object for streaming; throws a <see cref="Errors.PitcrewException"/> with <see cref="Errors.ExitCodes.FileNotFound"/> when absent.</summary>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Reads a small object whole (a manifest, the lock), retrying a read torn by a concurrent write; null when absent.</summary>
    Task<byte[]?> ReadSmallAsync(string name, CancellationToken cancellationToken);

    /// <summary>The object's size and time, or null when absent.</summary>
    Task<StoredObject?> StatAsync(string name, CancellationToken cancellationToken);

    /// <summary>Whether this user may read a listed object (a file store checks permissions; a listed S3 object is taken as readable).</summary>
    Task<bool> CanReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Every object in the store, incomplete uploads included where the store keeps them apart.</summary>
    Task<IReadOnlyList<StoredObject>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Deletes an object; absent is fine.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Writes a small object only if no object has that name; false when one exists.</summary>
    Task<bool> TryCreateAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Writes a small object whole, replacing any object of that name.</summary>
    Task PutSmallAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Removes uploads that never completed and started before <paramref name="before"/> (S3 multipart; file .part files).</summary>
    Task<int> AbortStaleUploadsAsync(DateTimeOffset before, CancellationToken cancellationToken);
}

/// <summary>An object being written: write to <see cref="Stream"/>, then commit; disposing without commit discards it.</summary>
internal interface IObjectUpload : IAsyncDisposable
{
    Stream Stream { get; }

    /// <summary>Makes the object visible under its name and returns what the store reports about it.</summary>
    Task<StoredObject> CommitAsync(CancellationToken cancellationToken);
}

/// <summary>An object as the store lists it; ETag only where the store has one.</summary>
internal sealed record StoredObject(string Name, long Size, DateTimeOffset LastModified, string? ETag = null);
