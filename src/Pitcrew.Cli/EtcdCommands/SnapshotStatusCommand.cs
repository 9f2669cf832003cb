using Pitcrew.Snapshots;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd snapshot status FILE and pitcrew etcd snapshot verify FILE.</summary>
internal static class SnapshotStatusCommand
{
    public static Command Status(CliContext context) =>
        OnFile("status", "Do not recompute the SHA-256 trailer (etcdctl's work only; faster on large files)", async (parse, path, skipHash, cancellationToken) =>
        {
            var status = await SnapshotReader.ReadAsync(path, checkTrailer: !skipHash, cancellationToken).ConfigureAwait(false);
            Render(context, parse, status);
        }).Describe(
            "Show a snapshot's HASH, REVISION, TOTAL KEYS and TOTAL SIZE, as etcdctl computes them",
            """
            Reads the file natively (no etcd tools needed). Beyond etcdctl: whether the SHA-256 trailer is present
            and matches (skip with --skip-hash-check), the compacted revision, storage and cluster versions, and the
            live Kubernetes objects per resource.
            """,
            """
            pitcrew etcd snapshot status /backup/etcd.db
            pitcrew etcd snapshot status /backup/etcd.db -o json
            """);

    public static Command Verify(CliContext context) =>
        OnFile("verify", "Check structure only (for a raw member/snap/db copy, which has no trailer)", async (parse, path, skipHash, cancellationToken) =>
        {
            var status = await SnapshotReader.VerifyAsync(path, skipHash, cancellationToken).ConfigureAwait(false);
            var verdict = SnapshotVerdict.Of(path, status);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), verdict))
            {
                SnapshotRenderer.Verified(context.Out, verdict);
            }
        }).Describe(
            "Check that a snapshot is sound: trailer hash and the whole database structure",
            """
            Checks the SHA-256 trailer and walks every page: in bounds, reached once, of a valid type, elements
            inside their page, keys in order. Exits 0 only when the file is sound; otherwise prints one line saying
            why, with a distinct exit code (12 not a snapshot, 13 truncated, 14 corrupt).
            """,
            """
            pitcrew etcd snapshot verify /backup/etcd.db && echo restorable
            pitcrew etcd snapshot verify /var/lib/etcd/member/snap/db --skip-hash-check
            """);

    /// <summary>A command on one snapshot FILE with --skip-hash-check (worded per command); the action gets the path and the flag.</summary>
    private static Command OnFile(string name, string skipHashDescription, Func<ParseResult, string, bool, CancellationToken, Task> run)
    {
        var file = CliFlag.Argument("FILE", "The snapshot file");
        var skipHash = RestoreFlags.SkipHashCheck(skipHashDescription);
        var command = new Command(name) { file, skipHash };
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await run(parse, parse.GetValue(file)!, parse.GetValue(skipHash), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Render(CliContext context, ParseResult parse, SnapshotStatus status)
    {
        if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), status))
        {
            SnapshotRenderer.Status(context.Out, status);
        }
    }
}

/// <summary>The outcome of snapshot verify.</summary>
/// <param name="Sha256">The trailer as lowercase hex, when present (matched or not, see <paramref name="Sha256Check"/>).</param>
/// <param name="Sha256Check">Whether the trailer was recomputed and matched, skipped, or absent.</param>
internal sealed record SnapshotVerdict(string Path, bool Sound, long Revision, long TotalSize, long PagesInUse, string? Sha256, TrailerState Sha256Check)
{
    public static SnapshotVerdict Of(string path, SnapshotStatus status) =>
        new(path, true, status.Revision, status.TotalSize, status.PagesInUse, status.Trailer.Sha256, status.Trailer.State);
}
