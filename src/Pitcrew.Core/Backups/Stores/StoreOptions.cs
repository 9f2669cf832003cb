namespace Pitcrew.Backups.Stores;

/// <summary>How to reach a store: the URL, an S3-compatible endpoint, and credentials when given outside the SDK's chain.</summary>
/// <param name="Environment">Looks up AWS_* variables; the SDK's own chain (profiles, instance roles) is used when they are absent.</param>
internal sealed record StoreOptions(
    BackupStoreUrl Url,
    string? S3Endpoint,
    Func<string, string?> Environment,
    int Attempts = StoreOptions.DefaultAttempts,
    TimeSpan? FirstRetryDelay = null)
{
    public const int DefaultAttempts = 5;

    public TimeSpan RetryDelay => FirstRetryDelay ?? TimeSpan.FromMilliseconds(500);
}

/// <summary>Opens the store a URL names.</summary>
internal static class BackupStores
{
    /// <summary>Opens a store to write to; a file store's directory is created by the first write.</summary>
    public static IBackupStore Open(StoreOptions options, TimeProvider time) =>
        options.Url.IsS3 ? new S3BackupStore(options, time) : new FileBackupStore(options.Url.Path, options.Url.ToString());

    /// <summary>Opens a store to read from: a file store whose directory is missing is an error, not an empty store.</summary>
    /// <remarks>An S3 store's missing bucket fails its first call the same way (exit 10).</remarks>
    public static IBackupStore OpenExisting(StoreOptions options, TimeProvider time)
    {
        var url = options.Url;
        if (!url.IsS3 && !Directory.Exists(url.Path))
        {
            var what = File.Exists(url.Path) ? "is a file, not a directory" : "does not exist";
            throw new PitcrewException(
                $"{url}: no backup store there: {url.Path} {what}; check --store (backup create and run make the directory)", ExitCodes.FileNotFound);
        }

        return Open(options, time);
    }
}
