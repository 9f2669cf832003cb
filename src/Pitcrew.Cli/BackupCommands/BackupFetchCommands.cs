using Pitcrew.Backups;
using Pitcrew.Backups.Changes;
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
            The changes streamed after the backup (backup run --continuous) are read through too: every segment's
            hashes, size and revisions; a missing or tampered one fails the verify the same way.
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
                result = result with { Path = string.Empty, Chain = await PointInTime.VerifyChainAsync(store, result.Manifest.Name, key, cancellationToken).ConfigureAwait(false) };
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
        var revision = CliFlag.Of<long?>("--revision", "Rebuild the keyspace as etcd served it at this revision: the backup plus its change stream replayed", "N");
        var at = CliFlag.Of<string?>("--at", "Rebuild the keyspace as it was at this moment (RFC 3339): the last change received by then", "TIME");
        var command = new Command("get") { name, file, revision, at, BackupCreateCommand.WorkDir }.Describe(
            "Fetch, verify, decrypt and decompress a backup into a plain snapshot file; with --revision or --at, rebuild a point",
            """
            FILE is an etcd snapshot as `etcdctl snapshot save` writes it (with its SHA-256 trailer), ready for
            `etcdctl snapshot restore`, `pitcrew etcd snapshot restore` or `pitcrew cluster restore`. Nothing takes the
            name FILE unless every check passed.
            With --revision N (or --at TIME) the snapshot holds exactly what `etcdctl get --rev N` served: the newest full
            backup at or before N (NAME's, or any with latest) plus the changes `backup run --continuous` streamed after
            it, replayed natively (no etcd needed). A point the store does not cover exits 10 and lists what it covers; a
            missing or tampered segment is an error (13, 14), never a different snapshot. --at maps to the last revision
            the stream received by then.
            """,
            """
            pitcrew etcd backup get latest /var/tmp/restore.db --store file:///var/backups/etcd
            pitcrew etcd backup get latest /var/tmp/before.db --at 2026-12-08T09:41:00Z --store s3://backups/etcd --encrypt-key-file backup.key
            pitcrew etcd backup get latest /var/tmp/rev.db --revision 123456 --store file:///var/backups/etcd
            etcdctl snapshot restore /var/tmp/restore.db --data-dir /var/lib/etcd-restored
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var key = BackupStoreFlags.Key(parse);
            var wantRevision = parse.GetValue(revision);
            var wantAt = parse.GetValue(at);
            if (wantRevision is not null || wantAt is not null)
            {
                var point = await PointAsync(store, parse.GetValue(name)!, wantRevision, wantAt, key, parse.GetValue(file)!,
                    parse.GetValue(BackupCreateCommand.WorkDir), context, cancellationToken).ConfigureAwait(false);
                if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), point))
                {
                    BackupRenderer.Rebuilt(context.Out, store.Location, point);
                }

                return ExitCodes.Ok;
            }

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

    private static async Task<PointInTimeResult> PointAsync(Backups.Stores.IBackupStore store, string name, long? revision, string? at, Backups.Crypto.BackupKey? key,
        string file, string? workDir, CliContext context, CancellationToken cancellationToken)
    {
        var point = Rfc3339.Point(revision, at);
        var ranges = await PointInTime.CoverageAsync(store, cancellationToken).ConfigureAwait(false);
        var (range, target) = point switch
        {
            ({ } n, _) => (PointInTime.Choose(ranges, name, n, store.Location), n),
            (_, var moment) => await PointInTime.ResolveTimeAsync(store, ranges, name, moment!.Value, key, cancellationToken).ConfigureAwait(false),
        };

        return await PointInTime.BuildAsync(store, range, target, key, file, workDir ?? Path.GetTempPath(), context.Time, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>What `backup verify --drill` found: the backup's checks, then the restore drill's.</summary>
internal sealed record BackupDrillResult(BackupFetchResult Backup, DrillReport Drill);
