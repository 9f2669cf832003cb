using Pitcrew.Backups;
using Pitcrew.Restore.Drill;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup verify and get: fetch, check, decrypt, decompress, walk.</summary>
internal static class BackupFetchCommands
{
    public static Command Verify(CliContext context)
    {
        var name = CliFlag.Argument("NAME", "A backup name from list, or latest");
        var drill = CliFlag.Of<bool>("--drill", "Also restore the backup into a scratch dir and start a temporary real etcd on it (etcd snapshot drill)");
        var command = new Command("verify") { name, BackupCreateCommand.WorkDir, drill }.Describe(
            "Fetch a backup and check everything: stored hash, decryption, decompression, snapshot structure",
            """
            Exits 0 only if every check passes. A missing object exits 10, a truncated one 13, a tampered one 14,
            a wrong key 6; each with its own message. The plain snapshot goes to a 0600 temp file that is removed.
            With --drill the snapshot is then restored and served by a temporary etcd on loopback, and its revision,
            keys per prefix and HashKV are compared with the file (exit 22 when etcd serves something else).
            """,
            """
            pitcrew etcd backup verify latest --store file:///var/backups/etcd
            pitcrew etcd backup verify etcd-20261201T003000Z-1a2b --store s3://backups/etcd --encrypt-key-file /etc/pitcrew/backup.key
            pitcrew etcd backup verify latest --drill --store file:///var/backups/etcd
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var key = BackupStoreFlags.Key(parse);
            var workDir = parse.GetValue(BackupCreateCommand.WorkDir);
            var temp = Path.Combine(workDir ?? Path.GetTempPath(), $"pitcrew-verify-{Environment.ProcessId}-{Guid.NewGuid():N}.db");
            var format = OutputFlag.Get(parse);
            try
            {
                var result = await BackupReader.FetchAsync(store, parse.GetValue(name)!, key, temp, context.Time, cancellationToken).ConfigureAwait(false);
                result = result with { Path = string.Empty };
                if (!parse.GetValue(drill))
                {
                    if (!StructuredOutput.TryWrite(context, format, result))
                    {
                        BackupRenderer.Verified(context.Out, store.Location, result);
                    }

                    return ExitCodes.Ok;
                }

                var report = await SnapshotDrill.RunAsync(temp, workDir, skipHashCheck: false, context.Time, cancellationToken).ConfigureAwait(false);
                // The drill ran on a temporary copy, removed below: name the backup and its store, not that file.
                report = report with { Snapshot = $"backup {result.Manifest.Name} in {store.Location}" };
                if (!StructuredOutput.TryWrite(context, format, new BackupDrillResult(result, report)))
                {
                    BackupRenderer.Verified(context.Out, store.Location, result);
                    EtcdCommands.RestoreRenderer.Drill(context.Out, report);
                }

                return report.Ok ? ExitCodes.Ok : ExitCodes.DrillFailed;
            }
            finally
            {
                File.Delete(temp);
            }
        });
        return command;
    }

    public static Command Get(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "A backup name from list, or latest" };
        var file = new Argument<string>("FILE") { Description = "Where to write the plain snapshot (FILE.part, then renamed; mode 0600)" };
        var command = new Command("get") { name, file }.Describe(
            "Fetch, verify, decrypt and decompress a backup into a plain snapshot file",
            """
            FILE is an etcd snapshot as `etcdctl snapshot save` writes it (with its SHA-256 trailer), ready for
            `etcdutl snapshot restore` or `pitcrew etcd snapshot status`. Nothing takes the name FILE unless every
            check passed.
            """,
            """
            pitcrew etcd backup get latest /var/tmp/restore.db --store file:///var/backups/etcd
            etcdutl snapshot restore /var/tmp/restore.db --data-dir /var/lib/etcd-restored
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var key = BackupStoreFlags.Key(parse);
            var result = await BackupReader.FetchAsync(store, parse.GetValue(name)!, key, parse.GetValue(file)!, context.Time, cancellationToken)
                .ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result))
            {
                BackupRenderer.Fetched(context.Out, store.Location, result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>What `backup verify --drill` found: the backup's checks, then the restore drill's.</summary>
internal sealed record BackupDrillResult(BackupFetchResult Backup, DrillReport Drill);
