using System.CommandLine;
using Pitcrew.Backups;
using Pitcrew.Cli.Output;
using Pitcrew.Errors;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>pitcrew etcd backup list.</summary>
internal static class BackupListCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("list").Describe(
            "List the backups in a store, oldest first, with the retention rule that keeps each",
            """
            A backup is listed once its manifest exists; objects of interrupted runs never are. The KEPT BY column runs
            the retention policy prune would apply (the --keep-* flags, or the default 7 daily, 4 weekly, 12 monthly,
            pre-upgrade forever) without deleting anything.
            """,
            """
            pitcrew etcd backup list --store file:///var/backups/etcd
            pitcrew etcd backup list --store s3://backups/etcd --keep-hourly 24 --keep-daily 7 -o json
            """);
        RetentionFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.Open(parse, context);
            var entries = await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
            var decisions = BackupPruner.Plan(entries, RetentionFlags.Bind(parse), [], now: null).ToDictionary(d => d.Name, StringComparer.Ordinal);
            var listing = new BackupListing(store.Location, [.. entries.Select(e => BackupListItem.From(e, decisions[e.Manifest.Name]))]);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), listing))
            {
                BackupRenderer.List(context.Out, listing);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>The -o json shape of list: the store and its backups, oldest first.</summary>
internal sealed record BackupListing(string Store, IReadOnlyList<BackupListItem> Backups);

/// <summary>One listed backup: what the manifest says, whether its object is there, and what retention would do.</summary>
internal sealed record BackupListItem(
    string Name,
    DateTimeOffset CreatedAt,
    long Revision,
    long SnapshotSize,
    long StoredSize,
    string Compression,
    string? Encryption,
    IReadOnlyList<string> Tags,
    bool ObjectPresent,
    bool Keep,
    IReadOnlyList<string> KeptBy)
{
    public static BackupListItem From(BackupEntry entry, PruneDecision decision)
    {
        var m = entry.Manifest;
        return new BackupListItem(m.Name, m.CreatedAt, m.Snapshot.Revision, m.Snapshot.Size, m.Stored.Size, m.Stored.Compression,
            m.Stored.Encryption?.KeyFingerprint, m.Tags, entry.ObjectPresent, decision.Keep, decision.Reasons);
    }
}
