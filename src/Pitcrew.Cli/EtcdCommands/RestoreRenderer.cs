using Pitcrew.Restore;
using Spectre.Console;
using static Pitcrew.Cli.Output.DetailGrid;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>Table renderings of restore results.</summary>
internal static class RestoreRenderer
{
    public static void Restored(IAnsiConsole console, RestoreResult result)
    {
        console.WriteLine($"Restored member {result.Name} into {result.DataDir}");
        var grid = DetailGrid.New();
        Row(grid, "member ID", result.MemberId);
        Row(grid, "cluster ID", result.ClusterId);
        Row(grid, "members", string.Join(", ", result.Members.Select(m => $"{m.Name}={string.Join(",", m.PeerUrls)} ({m.IdHex})")));
        Row(grid, "wal dir", result.WalDir);
        Row(grid, "revision", result.MarkedCompacted
            ? $"{N(result.Revision)} (snapshot's {N(result.SnapshotRevision)} bumped and marked compacted: watchers relist)"
            : $"{N(result.SnapshotRevision)} (not bumped)");
        Row(grid, "database", $"{N(result.DbBytes)} bytes, {N(result.Pairs)} pairs copied");
        console.Write(grid);
        if (result.KubernetesKeys)
        {
            console.WriteLine("Kubernetes store: restart every kube-apiserver after etcd is up, so its watch cache starts over.");
        }
    }

    public static void Plan(IAnsiConsole console, TextWriter raw, RestorePlanReport report)
    {
        console.WriteLine(report.Ok
            ? $"Restore plan for {report.Snapshot}: all checks passed"
            : $"Restore plan for {report.Snapshot}: {report.Problems.Count} check(s) failed; fix them before restoring");
        var grid = DetailGrid.New();
        Row(grid, "cluster ID", report.ClusterId);
        Row(grid, "token", report.Token);
        Row(grid, "revision", report.BumpRevision > 0
            ? $"{N(report.RestoredRevision)} (snapshot's {N(report.SnapshotRevision)} + {N(report.BumpRevision)}, marked compacted)"
            : $"{N(report.SnapshotRevision)} (not bumped)");
        console.Write(grid);

        var table = new Table().Border(TableBorder.Ascii);
        table.AddColumns("NAME", "MEMBER ID", "PEER URLS");
        foreach (var member in report.Members)
        {
            table.AddRow(Markup.Escape(member.Name), member.MemberId, Markup.Escape(string.Join(",", member.PeerUrls)));
        }

        console.Write(table);

        // Commands go out unwrapped so they can be copied or piped whatever the terminal width.
        raw.WriteLine("# each node's data dir must not exist yet: stop etcd there and move the current one aside first");
        foreach (var member in report.Members)
        {
            raw.WriteLine($"# on {member.Name}:");
            raw.WriteLine(member.Command);
        }

        foreach (var problem in report.Problems)
        {
            raw.WriteLine($"FAILED {problem.Check}: {problem.Message}; {problem.Hint}");
        }
    }

    public static void Drill(IAnsiConsole console, Pitcrew.Restore.Drill.DrillReport report)
    {
        console.WriteLine(report.Ok
            ? $"Drill passed: {report.Snapshot} restores; etcd {report.EtcdVersion} served revision {N(report.Revision)} exactly as the file holds it"
            : $"Drill FAILED: etcd {report.EtcdVersion} restored from {report.Snapshot} did not serve what the file holds");
        var table = new Table().Border(TableBorder.Ascii);
        table.AddColumns("CHECK", "SNAPSHOT FILE", "RESTORED ETCD", "RESULT");
        foreach (var check in report.Checks)
        {
            table.AddRow(Markup.Escape(check.Name), Markup.Escape(check.Expected), Markup.Escape(check.Served), check.Ok ? "ok" : "MISMATCH");
        }

        console.Write(table);
        console.WriteLine($"member {report.MemberId}, cluster {report.ClusterId}; took {GoDuration.Format(report.Took)}; scratch dir removed");
    }
}
