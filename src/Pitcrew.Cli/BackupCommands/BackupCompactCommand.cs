using System.Globalization;
using Pitcrew.Backups;
using Pitcrew.Backups.Changes;
using Spectre.Console;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup compact [NAME|latest] [--revision N]: fold a backup and its streamed changes into a new full backup.</summary>
internal static class BackupCompactCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "The backup whose chain to fold (latest: the one whose chain reaches furthest)", DefaultValueFactory = _ => "latest" };
        var revision = CliFlag.Of<long?>("--revision", "Fold up to this revision (default: the end of the chain)", "N");
        var command = new Command("compact") { name, revision, BackupCreateCommand.Compress, BackupCreateCommand.WorkDir, BackupCreateCommand.LockWait }.Describe(
            "Fold a backup and the changes streamed after it into a new full backup, so restores replay a short chain",
            """
            Rebuilds the point at the chain's end (or --revision) as backup get --revision does and stores it as a full
            backup like any other (compressed, encrypted with the store's key, read back, manifest last), tagged "folded"
            and dated when its last change was received. Later restores start from it: the change stream goes on after it
            without a gap, and the chain it was folded from stays while a kept backup runs on it. Takes the store's lock.
            A backup without streamed changes, or a revision outside its chain, is exit 2.
            """,
            """
            pitcrew etcd backup compact --store file:///var/backups/etcd --compress
            pitcrew etcd backup compact etcd-20261208T000000Z-1a2b --revision 912000 --store s3://backups/etcd --encrypt-key-file backup.key
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var compress = parse.GetResult(BackupCreateCommand.Compress) is { Implicit: false } ? BackupCompressions.Parse(parse.GetValue(BackupCreateCommand.Compress)) : BackupCompression.None;
            var result = await BackupJobs.LockedAsync(store, parse.GetValue(BackupCreateCommand.LockWait) ?? TimeSpan.FromMinutes(1), context.Time,
                (_, ct) => ChainCompactor.FoldAsync(store, parse.GetValue(name)!, parse.GetValue(revision), compress, BackupStoreFlags.Key(parse),
                    parse.GetValue(BackupCreateCommand.WorkDir) ?? Path.GetTempPath(), context.Time, ct), cancellationToken).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result))
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"folded {result.From} and {result.Changes:N0} change(s) in {result.Segments} segment(s) into {result.Folded.Name} (revision {result.Folded.Snapshot.Revision:N0}) in {store.Location}, took {result.Took.TotalSeconds:0.0} s"));
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
