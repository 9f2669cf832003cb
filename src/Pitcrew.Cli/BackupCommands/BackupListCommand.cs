using Pitcrew.Backups;
using Pitcrew.Backups.Changes;
using Pitcrew.Backups.Retention;

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
            the retention policy prune would apply without deleting anything: the --keep-* flags, else the policy the
            last prune or run stored in the store, else the default 7 daily, 4 weekly, 12 monthly (pre-upgrade forever
            always). The first line names the policy and where it came from. A store that does not exist exits 10.
            CHANGES shows what the change stream (backup run --continuous) stored after each backup: the revision and
            time its contiguous chain reaches, so any revision from the backup's to that one can be rebuilt (backup get
            --revision | --at); revisions between a chain's end and the next backup that nothing covers are listed as gaps.
            """,
            """
            pitcrew etcd backup list --store file:///var/backups/etcd
            pitcrew etcd backup list --store s3://backups/etcd --keep-hourly 24 --keep-daily 7 -o json
            """);
        RetentionFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var store = BackupStoreFlags.OpenExisting(parse, context);
            var entries = await BackupCatalog.ListAsync(store, cancellationToken).ConfigureAwait(false);
            var policy = await RetentionPolicyStore.ResolveAsync(store, RetentionFlags.Request(parse), cancellationToken).ConfigureAwait(false);
            var decisions = BackupPruner.Plan(entries, policy.Policy, [], now: null).ToDictionary(d => d.Name, StringComparer.Ordinal);
            // An S3 prefix has no existence of its own: a mistyped one holds nothing at all, which the listing says.
            var empty = entries.Count == 0 && (await store.ListAsync(cancellationToken).ConfigureAwait(false)).Count == 0;
            var ranges = await PointInTime.CoverageAsync(store, entries, cancellationToken).ConfigureAwait(false);
            var chains = ranges.ToDictionary(r => r.Base.Name, StringComparer.Ordinal);
            var listing = new BackupListing(
                store.Location, empty, policy.Policy.ToString(), policy.Source, policy.From,
                [.. entries.Select(e => BackupListItem.From(e, decisions[e.Manifest.Name], chains.GetValueOrDefault(e.Manifest.Name)))],
                [.. PointInTime.Gaps(ranges).Select(g => new StreamGap(g.From, g.To, g.After.Base.Name))]);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), listing))
            {
                BackupRenderer.List(context.Out, listing);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}

/// <summary>The -o json shape of list: the store, the retention policy applied and where it came from, and the backups, oldest first.</summary>
/// <param name="StoreEmpty">The store holds no object at all (no backup, lock, leftover or stored policy).</param>
internal sealed record BackupListing(string Store, bool StoreEmpty, string Policy, RetentionPolicySource PolicySource, string PolicyFrom, IReadOnlyList<BackupListItem> Backups,
    IReadOnlyList<StreamGap> Gaps);

/// <summary>What the change stream stored after a backup: its contiguous chain reaches ThroughRevision, received by ThroughTime.</summary>
internal sealed record StreamCoverage(long ThroughRevision, DateTimeOffset ThroughTime, long Changes, int Segments);

/// <summary>Revisions From..To that no chain covers, after the chain of backup After.</summary>
internal sealed record StreamGap(long From, long To, string After);

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
    BackupObjectCheck ObjectCheck,
    bool Keep,
    IReadOnlyList<string> KeptBy,
    StreamCoverage? Stream)
{
    public static BackupListItem From(BackupEntry entry, PruneDecision decision, CoveredRange? range)
    {
        var m = entry.Manifest;
        var stream = range is { Chain.Count: > 0 } r ? new StreamCoverage(r.Last, r.LastAt, r.Changes, r.Chain.Count) : null;
        return new BackupListItem(m.Name, m.CreatedAt, m.Snapshot.Revision, m.Snapshot.Size, m.Stored.Size, m.Stored.Compression,
            m.Stored.Encryption?.KeyFingerprint, m.Tags, entry.ObjectPresent, entry.ObjectCheck, decision.Keep, decision.Reasons, stream);
    }
}
