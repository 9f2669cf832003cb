using System.Globalization;
using Pitcrew.Backups;
using static Pitcrew.Cli.Output.DetailGrid;
using Spectre.Console;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>Table renderings of backup results; pure functions of the result records.</summary>
internal static class BackupRenderer
{
    public static void Created(IAnsiConsole console, string store, BackupCreateResult result)
    {
        var m = result.Manifest;
        console.WriteLine($"Backup {m.Name} stored in {store}");
        var grid = DetailGrid.New();
        Row(grid, "from", $"{m.Etcd.Endpoint} (etcd {m.Etcd.Version}, cluster {m.Etcd.ClusterId}, member {m.Etcd.MemberId})");
        Row(grid, "revision", $"{N(m.Snapshot.Revision)} (compacted at {N(m.Snapshot.CompactRevision)}), {N(m.Snapshot.TotalKeys)} keys");
        Row(grid, "snapshot", $"{N(m.Snapshot.Size)} bytes ({HumanBytes.Si(m.Snapshot.Size)}), sha256 {m.Snapshot.Sha256}, trailer and structure verified");
        Row(grid, "stored", $"{m.Stored.Key}: {N(m.Stored.Size)} bytes ({HumanBytes.Si(m.Stored.Size)}), {Transform(m.Stored)}, read back");
        Row(grid, "tags", m.Tags.Count > 0 ? string.Join(", ", m.Tags) : "-");
        if (result.LeftoversRemoved > 0)
        {
            Row(grid, "cleaned", $"{result.LeftoversRemoved} leftover object(s) of interrupted runs");
        }

        Row(grid, "took", $"{GoDuration.Format(result.Took)} ({HumanBytes.Rate(result.SnapshotBytesPerSecond)})");
        console.Write(grid);
    }

    public static void List(IAnsiConsole console, BackupListing listing)
    {
        if (listing.Backups.Count == 0)
        {
            console.WriteLine(listing.StoreEmpty
                ? $"No backups in {listing.Store}: it holds no objects at all (a new store, or a mistyped --store?)."
                : $"No backups in {listing.Store}.");
            return;
        }

        console.WriteLine($"policy: {listing.Policy} (from {listing.PolicyFrom})");

        var table = new Table().Border(TableBorder.None).HideHeaders();
        var streamed = listing.Backups.Any(b => b.Stream is not null);
        string[] columns = streamed ? ["NAME", "CREATED", "REVISION", "CHANGES", "SIZE", "TAGS", "KEPT BY"] : ["NAME", "CREATED", "REVISION", "SIZE", "TAGS", "KEPT BY"];
        table.AddColumns(columns);
        table.AddRow(columns);
        foreach (var b in listing.Backups)
        {
            var keptBy = b.Keep ? string.Join("; ", b.KeptBy) : "not kept: " + string.Join("; ", b.KeptBy);
            List<string> cells =
            [
                Markup.Escape(b.Name),
                b.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                N(b.Revision),
            ];
            if (streamed)
            {
                cells.Add(b.Stream is { } s
                    ? $"to {N(s.ThroughRevision)} ({s.ThroughTime.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture)})"
                    : "-");
            }

            cells.Add(HumanBytes.Si(b.StoredSize) + (b.ObjectPresent ? string.Empty : $" ({b.ObjectCheck.Describe()})"));
            cells.Add(Markup.Escape(b.Tags.Count > 0 ? string.Join(",", b.Tags) : "-"));
            cells.Add(Markup.Escape(keptBy));
            table.AddRow([.. cells]);
        }

        console.Write(table);
        foreach (var gap in listing.Gaps)
        {
            console.WriteLine($"gap: revisions {N(gap.From)}-{N(gap.To)} are not covered (the change stream after {gap.After} stopped or met a compaction)");
        }
    }

    public static void Verified(IAnsiConsole console, string store, BackupFetchResult result)
    {
        console.WriteLine($"{store}/{result.Manifest.Name}: OK");
        Summary(console, result);
        if (result.Chain is { } chain)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  changes after it: {chain.Segments} segment(s), {chain.Changes:N0} change(s) to revision {chain.ThroughRevision:N0} ({chain.ThroughTime.UtcDateTime:yyyy-MM-dd HH:mm:ss'Z'}), verified"));
        }
    }

    public static void Fetched(IAnsiConsole console, string store, BackupFetchResult result)
    {
        console.WriteLine($"{store}/{result.Manifest.Name} written to {result.Path} (verified)");
        Summary(console, result);
    }

    public static void Rebuilt(IAnsiConsole console, string store, Backups.Changes.PointInTimeResult result)
    {
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"revision {result.Revision} rebuilt from {store}/{result.Base} and {result.Replayed:N0} change(s) in {result.Segments} segment(s), written to {result.Path} (verified)"));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {result.Status.TotalKey:N0} keys, {result.Status.TotalSize:N0} bytes, sha256 {result.Status.Trailer.Sha256}, took {result.Took.TotalSeconds:0.00} s"));
    }

    public static void Pruned(IAnsiConsole console, PruneResult result)
    {
        console.WriteLine($"policy: {result.Policy} (from {result.PolicyFrom})");
        foreach (var d in result.Decisions)
        {
            var tags = d.Tags.Count > 0 ? $" [{string.Join(",", d.Tags)}]" : string.Empty;
            console.WriteLine($"{(d.Keep ? "keep  " : "delete")} {d.Name}{tags}: {string.Join("; ", d.Reasons)}");
        }

        var deleted = result.Decisions.Count - result.Kept;
        console.WriteLine(result.DryRun
            ? $"dry run: would delete {deleted}, keep {result.Kept}"
            : $"deleted {result.Deleted}, kept {result.Kept}");
    }

    private static void Summary(IAnsiConsole console, BackupFetchResult result)
    {
        var m = result.Manifest;
        var s = result.Status;
        var grid = DetailGrid.New();
        Row(grid, "created", $"{m.CreatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture)} from {m.Etcd.Endpoint} (etcd {m.Etcd.Version})");
        Row(grid, "checks", $"stored sha256 matches, {Transform(m.Stored)}, snapshot sha256 and trailer match, {N(s.PagesInUse)} pages walked");
        Row(grid, "revision", $"{N(s.Revision)} (compacted at {N(s.CompactRevision)}), {N(s.TotalKey)} keys, {HumanBytes.Si(s.TotalSize)}");
        Row(grid, "tags", m.Tags.Count > 0 ? string.Join(", ", m.Tags) : "-");
        var resources = s.RegistryKeys.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(8)
            .Select(p => $"{p.Key} {N(p.Value)}").ToList();
        Row(grid, "objects", resources.Count > 0 ? string.Join(", ", resources) + (s.RegistryKeys.Count > 8 ? ", ..." : string.Empty) : "no /registry/ keys");
        Row(grid, "took", GoDuration.Format(result.Took));
        console.Write(grid);
    }

    private static string Transform(BackupObjectInfo stored) =>
        (stored.Compression == "none" ? "uncompressed" : stored.Compression)
        + (stored.Encryption is { } e ? $", encrypted ({e.Algorithm}, key {e.KeyFingerprint})" : ", not encrypted");
}
