using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>The flags every backup command takes to reach its store, and the key for encrypted backups.</summary>
internal static class BackupStoreFlags
{
    public static readonly Option<string> Store = CliFlag.Of<string>("--store",
        "Where backups live: a directory (/var/backups/etcd, ./backups, file:///var/backups/etcd) or s3://bucket[/prefix] [PITCREW_BACKUP_STORE]", "URL").Inherited();

    public static readonly Option<string?> S3Endpoint = CliFlag.Of<string?>("--s3-endpoint",
        "URL of an S3-compatible service (MinIO, Ceph, ...); path-style addressing [AWS_ENDPOINT_URL_S3]", "URL").Inherited();

    public static readonly Option<string?> KeyFile = CliFlag.Of<string?>("--encrypt-key-file",
        "AES-256 key: a file of 32 raw bytes or 64 hex characters (openssl rand -hex 32 > key); never printed", "FILE").Inherited();

    /// <summary>The store flags, for the commands outside etcd backup that reach a store.</summary>
    public static IReadOnlyList<Option> All { get; } = [Store, S3Endpoint, KeyFile];

    /// <summary>Seconds between S3 retries start here and double; tests shorten it.</summary>
    public const string RetryDelayVariable = "PITCREW_S3_RETRY_DELAY_MS";

    /// <summary>Opens the store to write to (create, run): a file store's directory is made when missing.</summary>
    public static IBackupStore Open(ParseResult parse, CliContext context) => BackupStores.Open(Options(parse, context), context.Time);

    /// <summary>Opens the store to read from (list, get, verify, prune): a missing store is an error (exit 10).</summary>
    public static IBackupStore OpenExisting(ParseResult parse, CliContext context) => BackupStores.OpenExisting(Options(parse, context), context.Time);

    private static StoreOptions Options(ParseResult parse, CliContext context)
    {
        var url = BackupStoreUrl.Parse(parse.GetValue(Store) ?? context.Environment("PITCREW_BACKUP_STORE"));
        var endpoint = parse.GetValue(S3Endpoint) ?? context.Environment("AWS_ENDPOINT_URL_S3") ?? context.Environment("AWS_ENDPOINT_URL");
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out _))
        {
            throw new PitcrewException($"--s3-endpoint \"{endpoint}\": want a URL such as http://127.0.0.1:9000", ExitCodes.Usage);
        }

        var delay = int.TryParse(context.Environment(RetryDelayVariable), out var ms) ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
        return new StoreOptions(url, endpoint, context.Environment, FirstRetryDelay: delay);
    }

    public static BackupKey? Key(ParseResult parse) => parse.GetValue(KeyFile) is { } path ? BackupKey.Load(path) : null;
}
