using System.CommandLine;
using Pitcrew.Cli.Output;
using Pitcrew.Errors;
using Pitcrew.Snapshots;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd snapshot status FILE and pitcrew etcd snapshot verify FILE.</summary>
internal static class SnapshotStatusCommand
{
    public static Command Status(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The snapshot file" };
        var skipHash = new Option<bool>("--skip-hash-check")
        {
            Description = "Do not recompute the SHA-256 trailer (etcdctl's work only; faster on large files)",
        };
        var command = new Command("status", """
            Show a snapshot's HASH, REVISION, TOTAL KEYS and TOTAL SIZE, computed as etcdctl computes them,
            read natively from the file (no etcd tools needed), plus whether its SHA-256 trailer matches,
            the compacted revision, and what it holds for Kubernetes (live keys per resource).

            Examples:
              pitcrew etcd snapshot status /backup/etcd.db
              pitcrew etcd snapshot status /backup/etcd.db -o json
            """)
        {
            file,
            skipHash,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var status = await SnapshotReader.ReadAsync(parse.GetValue(file)!, checkTrailer: !parse.GetValue(skipHash), cancellationToken).ConfigureAwait(false);
            Render(context, parse, status);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Verify(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "The snapshot file" };
        var skipHash = new Option<bool>("--skip-hash-check")
        {
            Description = "Check structure only (for a raw member/snap/db copy, which has no trailer)",
        };
        var command = new Command("verify", """
            Check that a snapshot is sound: its SHA-256 trailer matches, and every page of the database is in
            bounds, reached once, of a valid type, with elements inside their page and keys in order.
            Exits 0 only when the file is sound; otherwise prints one line saying why.

            Examples:
              pitcrew etcd snapshot verify /backup/etcd.db && echo restorable
            """)
        {
            file,
            skipHash,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            var status = await SnapshotReader.VerifyAsync(path, parse.GetValue(skipHash), cancellationToken).ConfigureAwait(false);
            var verdict = new SnapshotVerdict(path, true, status.Revision, status.TotalSize, status.PagesInUse, status.Trailer.Sha256);
            if (!StructuredOutput.TryWrite(context, parse.GetValue(GlobalOptions.Output), verdict))
            {
                SnapshotRenderer.Verified(context.Out, verdict);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(CliContext context, ParseResult parse, SnapshotStatus status)
    {
        if (!StructuredOutput.TryWrite(context, parse.GetValue(GlobalOptions.Output), status))
        {
            SnapshotRenderer.Status(context.Out, status);
        }
    }
}

/// <summary>The outcome of snapshot verify.</summary>
internal sealed record SnapshotVerdict(string Path, bool Sound, long Revision, long TotalSize, long PagesInUse, string? Sha256);
