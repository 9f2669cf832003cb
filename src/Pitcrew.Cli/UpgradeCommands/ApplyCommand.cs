using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade apply: the whole kubeadm upgrade, node by node, locked, journaled, gated.</summary>
internal static class ApplyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("apply")
        {
            PlanCommand.To, PlanCommand.Releases, PlanCommand.RunbookOption, PlanCommand.Force, PlanCommand.ViaLatestPatch, NodeFlags.Kubeconfig, NodeFlags.Context,
            ExecutorFlags.Executor, ExecutorFlags.Inventory, ExecutorFlags.KnownHosts, ExecutorFlags.SshAcceptNew,
            BackupStoreFlags.Store, BackupStoreFlags.S3Endpoint, BackupStoreFlags.KeyFile,
        }.Describe(
            "Upgrade the cluster: preflight, a pre-upgrade backup, the control planes one at a time, canaries, a bake, then workers in batches",
            """
            Takes the cluster lock (Lease kube-system/pitcrew-maintenance), runs preflight (no-go stops here), takes an
            etcd backup tagged pre-upgrade into --store (kept forever by retention) from the etcd that etcd's flags name or,
            without them, that the kubeadm etcd pods advertise (with kubeadm's client certificates), then for each minor
            of the path (straight to the next minor; --via-latest-patch goes to the current minor's latest patch first):
            the control-plane components of the first control plane (kubeadm upgrade apply) and of the others, one at
            a time (kubeadm upgrade node; etcd keeps its quorum), then their kubelets one at a time (no kubelet is ever
            newer than a kube-apiserver), the canary workers, a bake watching them, then the other workers in batches of
            --batch-size, never more than --max-unavailable-per-zone of a zone at once. Each node follows the runbook
            (drain, packages from the minor's pkgs.k8s.io repository, kubelet restart, uncordon) and must pass health
            gates before the next starts: Ready with the target kubelet, static pods at the target, workloads and
            budgets as healthy as before, no new CrashLoopBackOff, the skew policy holding. Every step is journaled
            (state dir and ConfigMap kube-system/pitcrew-upgrade-journal); after a failure or crash fix the cause and
            add --resume. On failure the node stays cordoned and the way back is printed (with --revisit-blocked a
            worker whose drain is blocked first goes back into service and is tried again after the other workers).
            Reports (JSON, Markdown, HTML, with a timeline per node) go to --report-dir. Exit codes: 0 upgraded,
            3 blocked (plan, preflight, lock, window, unfinished journal, not confirmed), 4 stopped part way (resume),
            5 cluster unreachable.
            """,
            """
            pitcrew upgrade apply --to v1.31 --executor ssh --inventory nodes.yaml --store s3://backups/etcd \
              --endpoints https://10.0.0.11:2379 --cacert ca.crt --cert client.crt --key client.key
            pitcrew upgrade apply --to v1.31.14 --batch-size 5 --canary 2 --bake 15m --max-unavailable-per-zone 1 \
              --window "Sat 01:00-05:00 Asia/Seoul" --executor ssh --store file:///var/backups/etcd --yes
            pitcrew upgrade apply --resume --executor ssh --store file:///var/backups/etcd
            """);
        foreach (var option in ApplyFlags.All.Concat(EtcdConnectionFlags.All))
        {
            command.Add(option);
        }

        command.Outputs(OutputFlag.Structured);
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var console = new ApplyConsole(context, parse.GetValue(GlobalOptions.Verbose));
        var request = ApplyFlags.Bind(parse, context);
        var ports = new ApplyPorts(
            () => KubeAccess.Configuration(new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment),
            ct => KubectlProbe.ClientVersionAsync(context.Time, ct),
            (api, ct) => ClusterEtcdFlags.ResolveAsync(parse, context, api, ct),
            () => BackupStoreFlags.Open(parse, context),
            () => BackupStoreFlags.Key(parse),
            kube => ExecutorFlags.Create(context, parse, kube),
            context.Time);
        var result = await UpgradeApply.RunAsync(request, ports, console, cancellationToken).ConfigureAwait(false);
        switch (result.Stop)
        {
            case ApplyStop.UpToDate:
                await context.RawOut.WriteLineAsync(result.Message);
                break;
            case ApplyStop.PlanBlocked:
                foreach (var line in UpgradePlanRenderer.Lines(result.Plan!, request.Force, verbose: false))
                {
                    console.Say(line);
                }

                console.Say(result.Message);
                break;
            case ApplyStop.Ran:
                if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result.Report!))
                {
                    foreach (var line in ApplySummary.Lines(result.Report!, result.End, result.NextWindow))
                    {
                        await context.RawOut.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
                    }
                }

                console.Say($"reports: {string.Join(", ", result.Written)}");
                break;
            default:
                if (result.Message.Length > 0)
                {
                    console.Say(result.Message);
                }

                break;
        }

        return result.ExitCode;
    }
}
