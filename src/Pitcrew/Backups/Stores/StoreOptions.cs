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
    public static IBackupStore Open(StoreOptions options, TimeProvider time) =>
        options.Url.IsS3 ? new S3BackupStore(options, time) : new FileBackupStore(options.Url.Path, options.Url.ToString());
}
