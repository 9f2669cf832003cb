using System.Globalization;
using Pitcrew.Snapshots;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>Table renderings of snapshot results.</summary>
internal static class SnapshotRenderer
{
    private const string SkipHashCheck = "--skip-hash-check";

    public static void Saved(IAnsiConsole console, SnapshotSaveResult result)
    {
        console.WriteLine($"Snapshot saved at {result.Path}");
        var grid = Details();
        Row(grid, "from", $"{result.Endpoint} ({result.Source})");
        foreach (var skipped in result.Skipped)
        {
            Row(grid, "skipped", skipped);
        }

        Row(grid, "size", $"{result.Bytes.ToString("N0", CultureInfo.InvariantCulture)} bytes ({HumanBytes.Si(result.Bytes)})");
        Row(grid, "revision", $"{result.Revision} (compacted at {result.CompactRevision})");
        Row(grid, "sha256", $"{result.Sha256} (trailer verified)");
        Row(grid, "took", $"{GoDuration.Format(result.Took)} ({HumanBytes.Rate(result.BytesPerSecond)})");
        console.Write(grid);
    }

    public static void Status(IAnsiConsole console, SnapshotStatus status)
    {
        var table = new Table().Border(TableBorder.Ascii);
        table.AddColumns("HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE");
        var row = new List<string>
        {
            status.Hash.ToString("x", CultureInfo.InvariantCulture),
            N(status.Revision),
            N(status.TotalKey),
            HumanBytes.Si(status.TotalSize),
        };
        if (status.Version is { } version)
        {
            table.AddColumn("VERSION");
            row.Add(version);
        }

        table.AddRow([.. row]);
        console.Write(table);

        var grid = Details();
        Row(grid, "sha256 trailer", Trailer(status.Trailer));
        Row(grid, "compacted revision", N(status.CompactRevision));
        Row(grid, "keys", $"{N(status.LiveKeys)} live user keys, {N(status.KeyRevisions)} revisions, {N(status.AllBucketKeys)} pairs in all buckets "
            + $"(TOTAL KEYS counts {(status.TotalKeySemantics == "live-keys" ? "live user keys, as etcd 3.6+" : "all buckets, as etcd 3.4/3.5")})");
        Row(grid, "storage version", status.Version ?? "none recorded (written by etcd 3.5 or older)");
        Row(grid, "cluster version", status.ClusterVersion ?? "-");
        Row(grid, "file", $"{N(status.FileSize)} bytes, {N(status.PagesInUse)} of {N(status.TotalSize / status.PageSize)} pages in use, page size {status.PageSize}");
        console.Write(grid);

        if (status.RegistryKeys.Count > 0)
        {
            var resources = new Table().Border(TableBorder.Ascii).Title("Kubernetes objects (live keys under /registry/)");
            resources.AddColumns("RESOURCE", "KEYS");
            resources.Columns[1].RightAligned();
            foreach (var (resource, count) in status.RegistryKeys.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                resources.AddRow(Markup.Escape(resource), N(count));
            }

            console.Write(resources);
        }
    }

    public static void Verified(IAnsiConsole console, SnapshotVerdict verdict) =>
        console.WriteLine(
            $"{verdict.Path}: OK (revision {verdict.Revision}, {HumanBytes.Si(verdict.TotalSize)}, {N(verdict.PagesInUse)} pages checked, "
            + verdict.Sha256Check switch
            {
                TrailerState.Matched => $"sha256 {verdict.Sha256} matches)",
                TrailerState.Absent => $"sha256 not checked: no trailer ({SkipHashCheck}))",
                _ => $"sha256 not checked ({SkipHashCheck}))",
            });

    private static string Trailer(TrailerCheck trailer) => trailer.State switch
    {
        TrailerState.Absent => "absent (a raw db file, or cut off)",
        TrailerState.Matched => $"present, matches ({trailer.Sha256})",
        TrailerState.Mismatched => $"present, DOES NOT MATCH ({trailer.Sha256})",
        _ => $"present, not checked ({SkipHashCheck}); trailer {trailer.Sha256}",
    };

    private static Grid Details()
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().PadRight(2));
        grid.AddColumn();
        return grid;
    }

    private static void Row(Grid grid, string name, string value) =>
        grid.AddRow(new Text(name), new Text(value));

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
