using Pitcrew.Snapshots;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd snapshot save FILE.</summary>
internal static class SnapshotSaveCommand
{
    public static Command Create(CliContext context)
    {
        var file = CliFlag.Argument("FILE", "Where to write the snapshot (written as FILE.part, then renamed)");
        var command = new Command("save")
        {
            file,
        }.Describe(
            "Stream a snapshot from etcd to FILE, verifying etcd's SHA-256 trailer as it arrives",
            """
            Given several endpoints, asks each for its status and snapshots one healthy, up-to-date member,
            preferring a follower over the leader, and says which. The file is written as FILE.part with mode 0600,
            fsynced and renamed into place; on any failure nothing is left behind and an existing FILE is untouched.
            """,
            """
            # The usual kubeadm backup command, with pitcrew etcd in place of etcdctl
            pitcrew etcd snapshot save /backup/etcd-$(date +%Y%m%d).db \
              --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt \
              --cert=/etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key

            # Several members: pitcrew picks a healthy follower
            pitcrew etcd snapshot save snap.db --endpoints=https://10.0.0.1:2379,https://10.0.0.2:2379,https://10.0.0.3:2379 ...
            """);
        command.Outputs(OutputFlag.Structured);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SnapshotSaveOptions(parse.GetValue(file)!, EtcdConnectionFlags.Bind(parse, context.Environment));
            var format = OutputFlag.Get(parse);
            var reporter = new TransferReporter(context);
            var result = await reporter.RunAsync(
                progress => SnapshotSaver.SaveAsync(options, progress, context.Time, cancellationToken)).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, format, result))
            {
                SnapshotRenderer.Saved(context.Out, result);
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
