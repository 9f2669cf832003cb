using System.Globalization;
using Pitcrew.Backups.Changes;
using Spectre.Console;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup history KEY [--prefix]: when a key was created, changed and deleted, from the change stream.</summary>
internal static class BackupHistoryCommand
{
    public static Command Create(CliContext context)
    {
        var key = CliFlag.Argument("KEY", "An etcd key, e.g. /registry/namespaces/shop; with --prefix every key under it");
        var prefix = CliFlag.Of<bool>("--prefix", "Every key that starts with KEY (as etcdctl get --prefix)");
        var command = new Command("history") { key, prefix }.Describe(
            "When a key (or a Kubernetes object) was created, changed and deleted: revisions and times, from the change stream",
            """
            Reads every segment the change stream (backup run --continuous) stored and lists the key's changes oldest first:
            REVISION, TIME (when the stream received it), EVENT (ADDED, MODIFIED, DELETED), VERSION and the value's size.
            To restore to just before a deletion, take the DELETED line's revision minus one:
            pitcrew etcd backup get latest FILE --revision REV-1. Only what the stream stored is listed; changes before
            the first chain or inside a gap are not known. A tampered segment is an error (14).
            """,
            """
            pitcrew etcd backup history /registry/namespaces/shop --store file:///var/backups/etcd
            pitcrew etcd backup history /registry/deployments/shop/ --prefix --store s3://backups/etcd -o json
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var changes = await KeyHistory.ReadAsync(store, parse.GetValue(key)!, parse.GetValue(prefix), BackupStoreFlags.Key(parse), cancellationToken).ConfigureAwait(false);
            if (StructuredOutput.TryWrite(context, OutputFlag.Get(parse), changes))
            {
                return ExitCodes.Ok;
            }

            if (changes.Count == 0)
            {
                context.Out.WriteLine($"No stored changes of {parse.GetValue(key)}{(parse.GetValue(prefix) ? " (prefix)" : string.Empty)} in {store.Location}.");
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.None);
            table.AddColumns("REVISION", "TIME", "EVENT", "KEY", "VERSION", "SIZE");
            foreach (var c in changes)
            {
                table.AddRow(c.Revision.ToString(CultureInfo.InvariantCulture), Rfc3339.Format(c.ReceivedAt, TimeZoneInfo.Utc), c.Event, Markup.Escape(c.Key),
                    c.Event == "DELETED" ? "-" : c.Version.ToString(CultureInfo.InvariantCulture), c.Event == "DELETED" ? "-" : HumanBytes.Si(c.ValueSize));
            }

            context.Out.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }
}
