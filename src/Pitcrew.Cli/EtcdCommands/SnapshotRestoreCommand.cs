using Pitcrew.Restore;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd snapshot restore FILE: etcdutl's restore, natively.</summary>
internal static class SnapshotRestoreCommand
{
    public static Command Create(CliContext context)
    {
        var file = CliFlag.Argument("FILE", "The snapshot file (or a raw member/snap/db copy with --skip-hash-check)");
        var dataDir = new Option<string?>("--data-dir") { Description = "The new member's data dir; absent or empty (default NAME.etcd)" };
        var walDir = new Option<string?>("--wal-dir") { Description = "A separate WAL dir, which must not exist (default DATA-DIR/member/wal)" };
        var name = new Option<string>("--name") { Description = "This member's name in --initial-cluster", DefaultValueFactory = _ => RestoreOptions.DefaultName };
        var cluster = RestoreFlags.InitialCluster();
        var token = RestoreFlags.Token();
        var peerUrls = new Option<string>("--initial-advertise-peer-urls")
        {
            Description = "This member's peer URLs; must equal its entry in --initial-cluster",
            DefaultValueFactory = _ => RestoreOptions.DefaultPeerUrl,
        };
        var skipHash = RestoreFlags.SkipHashCheck();
        var bump = RestoreFlags.BumpRevision();
        var markCompacted = RestoreFlags.MarkCompacted();
        var command = new Command("restore")
        {
            file, dataDir, walDir, name, cluster, token, peerUrls, skipHash, bump, markCompacted,
        }.Describe(
            "Restore a snapshot into a new member data dir, natively (no etcdutl or etcdctl needed)",
            """
            Writes member/snap/db with the new membership, the raft snapshot and the WAL, deriving member and cluster
            IDs exactly as etcd does. Run it once per member with the same --initial-cluster and token. The data dir
            must be absent or empty; the restore is built beside it and moved into place only when complete.
            A snapshot holding Kubernetes objects (/registry/ keys) is bumped by 1,000,000,000 revisions and marked
            compacted by default, so API server caches and informers relist instead of serving stale objects.
            """,
            """
            pitcrew etcd snapshot restore /backup/etcd.db --data-dir /var/lib/etcd-restored \
              --name cp1 --initial-cluster cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380 \
              --initial-cluster-token etcd-restore-1 --initial-advertise-peer-urls https://10.0.0.1:2380
            pitcrew etcd snapshot restore /var/lib/etcd/member/snap/db --skip-hash-check --bump-revision 0
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new RestoreOptions(
                parse.GetValue(file)!,
                parse.GetValue(dataDir),
                parse.GetValue(walDir),
                parse.GetValue(name)!,
                parse.GetValue(cluster)!,
                parse.GetValue(token)!,
                parse.GetValue(peerUrls)!,
                parse.GetValue(skipHash),
                parse.GetValue(bump),
                parse.GetValue(markCompacted));
            var result = await SnapshotRestorer.RestoreAsync(options, cancellationToken).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result))
            {
                RestoreRenderer.Restored(context.Out, result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
