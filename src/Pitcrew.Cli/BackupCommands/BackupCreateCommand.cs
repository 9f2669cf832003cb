using Pitcrew.Backups;
using Pitcrew.Cli.EtcdCommands;
using Spectre.Console;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup create.</summary>
internal static class BackupCreateCommand
{
    public static readonly Option<string[]> Tag = CliFlag.Of<string[]>("--tag", "Tag the backup (repeatable): pre-upgrade (kept until named in prune), manual, ...", "TAG")
        .Takes(ArgumentArity.OneOrMore);

    public static readonly Option<string?> Compress = CliFlag.Of<string?>("--compress", "Compress the stored object: zstd (default when the flag has no value) or gzip", "zstd|gzip")
        .Takes(ArgumentArity.ZeroOrOne);

    public static readonly Option<string?> WorkDir = CliFlag.Of<string?>("--work-dir",
        "Directory for the plain snapshot while it is verified and uploaded (default: the system temp dir)", "DIR").Inherited();

    public static readonly Option<TimeSpan?> LockWait = CliFlag.Of<TimeSpan?>("--lock-wait", "How long to wait for another run holding the store's lock, e.g. 30s (default 1m)", "DURATION")
        .Parsed(r => CliDurations.Period(r));

    /// <summary>Crash tests set this to snapshot, upload or manifest: the process stops there until killed.</summary>
    public const string PauseVariable = "PITCREW_BACKUP_PAUSE_AT";

    public static Command Create(CliContext context)
    {
        var command = new Command("create") { Tag, Compress, WorkDir, LockWait }.Describe(
            "Snapshot etcd, verify it, compress and encrypt it, store it, then write its manifest",
            """
            The snapshot's SHA-256 trailer is checked as it streams and its bbolt structure is walked while the object
            uploads; the object is read back (re-hashed for files, size and ETag for S3) and only then is the manifest
            written. A backup exists once its manifest exists: a crash leaves nothing that list shows, and the next
            create or run removes what it left. Takes the store's lock, so it never interleaves with `backup run`.
            """,
            """
            pitcrew etcd backup create --store file:///var/backups/etcd --tag manual
            pitcrew etcd backup create --store s3://backups/etcd --s3-endpoint http://minio:9000 --compress --encrypt-key-file /etc/pitcrew/backup.key \
              --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \
              --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key
            """);
        command.Outputs(OutputFlag.Structured);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Bind(parse, context);
            using var store = BackupStoreFlags.Open(parse, context);
            var reporter = new TransferReporter(context);
            var result = await reporter.RunAsync(progress => BackupJobs.CreateAsync(
                store, options, parse.GetValue(LockWait) ?? TimeSpan.FromMinutes(1), progress, context.Time, cancellationToken)).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result))
            {
                BackupRenderer.Created(context.Out, store.Location, result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static BackupCreateOptions Bind(ParseResult parse, CliContext context)
    {
        var compress = parse.GetResult(Compress) is { Implicit: false }
            ? BackupCompressions.Parse(parse.GetValue(Compress))
            : BackupCompression.None;
        return new BackupCreateOptions(
            EtcdConnectionFlags.Bind(parse, context.Environment),
            parse.GetValue(Tag) ?? [],
            compress,
            BackupStoreFlags.Key(parse),
            parse.GetValue(WorkDir),
            PauseAt(context));
    }

    private static Func<BackupPhase, CancellationToken, Task>? PauseAt(CliContext context)
    {
        if (context.Environment(PauseVariable) is not { Length: > 0 } phase)
        {
            return null;
        }

        return async (current, cancellationToken) =>
        {
            if (string.Equals(current.ToString(), phase, StringComparison.OrdinalIgnoreCase))
            {
                context.Err.WriteLine($"paused at {phase} ({PauseVariable})");
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
        };
    }
}
