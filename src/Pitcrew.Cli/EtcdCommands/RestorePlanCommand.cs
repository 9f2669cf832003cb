using Pitcrew.Restore;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd restore plan SNAPSHOT: every member's ID and command, checked before anything is touched.</summary>
internal static class RestorePlanCommand
{
    public static Command Group(CliContext context) => new("restore", "Plan a whole-cluster restore from one snapshot")
    {
        Create(context),
    };

    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("SNAPSHOT") { Description = "The snapshot every member restores from" };
        var cluster = RestoreFlags.InitialCluster();
        var token = RestoreFlags.Token();
        var dataDir = new Option<string?>("--data-dir") { Description = "The data dir each node restores into (default /var/lib/etcd, kubeadm's; it must not exist yet)" };
        var bump = RestoreFlags.BumpRevision();
        var skipHash = RestoreFlags.SkipHashCheck();
        var command = new Command("plan")
        {
            file, cluster, token, dataDir, bump, skipHash,
        }.Describe(
            "Derive every member's ID, the cluster ID and each node's restore command, and check them first",
            """
            Verifies the snapshot and the whole --initial-cluster at once (names, URLs, duplicates, ID clashes) and
            prints, per member in the order given, the member ID etcd will report and the full command to run on that
            node (--data-dir, --name, --initial-cluster, --initial-cluster-token, --initial-advertise-peer-urls). Compare
            the IDs with etcd's logs after the restore. Exits 3 when a check fails; nothing is touched either way.
            """,
            """
            pitcrew etcd restore plan /backup/etcd.db --initial-cluster-token etcd-restore-1 \
              --initial-cluster cp1=https://10.0.0.1:2380,cp2=https://10.0.0.2:2380,cp3=https://10.0.0.3:2380 \
              --data-dir /var/lib/etcd-restored
            """);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var report = await RestorePlanning.PlanAsync(parse.GetValue(file)!, parse.GetValue(cluster)!, parse.GetValue(token)!,
                parse.GetValue(dataDir), parse.GetValue(bump), parse.GetValue(skipHash), cancellationToken).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), report))
            {
                RestoreRenderer.Plan(context.Out, context.RawOut, report);
            }
            else
            {
                foreach (var problem in report.Problems)
                {
                    context.Err.WriteLine($"{problem.Check}: {problem.Message}; {problem.Hint}", Style.Plain);
                }
            }

            return report.Ok ? ExitCodes.Ok : ExitCodes.Blocked;
        });
        return command;
    }
}
