using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cli.UpgradeCommands;
using Pitcrew.Cluster;
using Pitcrew.Etcd;
using Pitcrew.MemberReplace;
using Pitcrew.Restore;
using Pitcrew.Upgrade;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd member replace NODE: the runbook for a control plane whose member is lost or corrupt, planned, checked and journaled.</summary>
internal static class MemberReplaceCommand
{
    private static readonly Option<string> DataDir = CliFlag.Of<string>("--data-dir", "etcd's data dir on the node").Default(ClusterRestoreProcedure.DefaultDataDir);
    private static readonly Option<string> ManifestDir = CliFlag.Of<string>("--manifest-dir", "The kubelet's static-pod dir").Default(ClusterRestoreProcedure.DefaultManifestDir);
    private static readonly Option<string?> StateDir = CliFlag.Of<string?>("--state-dir", "Where the journal goes (default $XDG_STATE_HOME/pitcrew or ~/.local/state/pitcrew)", "DIR");
    private static readonly Option<bool> DryRun = CliFlag.Of<bool>("--dry-run", "Print the checked plan and exit (3 when a check fails); touches nothing");
    private static readonly Option<bool> Resume = CliFlag.Of<bool>("--resume", "Go on from the journal of an interrupted run");
    private static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do not ask before touching the node" };

    public static Command Create(CliContext context)
    {
        var node = CliFlag.Argument("NODE", "The control-plane node whose member to replace (kubeadm names the member after it)");
        var command = new Command("replace")
        {
            node, ExecutorFlags.Executor, ExecutorFlags.Inventory, ExecutorFlags.KnownHosts, ExecutorFlags.SshAcceptNew, DataDir, ManifestDir, StateDir, DryRun, Resume, Yes,
            NodeFlags.Kubeconfig, NodeFlags.Context,
        }.Describe(
            "Replace a lost or corrupt member: remove it, move its data aside, add it back as a learner, rejoin, promote",
            """
            A member that lost its data cannot rejoin while its old entry is in the member list. Finds the node's member (by
            name) and refuses (exit 3) unless every other member is healthy and the quorum holds without it. Then, journaled:
            park the node's etcd manifest and wait for etcd to exit; remove the member; move the data dir aside with a
            timestamp (never deleted) and create an empty one; add the member back as a learner with the same name and peer
            URLs; set --initial-cluster (what member add returned) and --initial-cluster-state=existing in the manifest and
            put it back; wait until the learner caught up; promote it; verify it is a healthy voter of the same cluster
            serving the leader's keys. After a failure fix the cause and add --resume. Exit codes: 0 replaced and verified,
            2 unknown node, 3 blocked or not confirmed, 4 a step failed (resume).
            """,
            """
            pitcrew etcd member replace cp-2 --dry-run
            pitcrew etcd member replace cp-2 --executor ssh --inventory nodes.yaml --yes
            pitcrew etcd member replace cp-2 --executor sim --endpoints http://127.0.0.1:41234 --yes
            """);
        EtcdConnectionFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var kube = ClusterRestoreRequest.UsesCluster(parse.GetValue(ExecutorFlags.Executor)!, parse.GetValue(NodeFlags.Kubeconfig))
                ? KubeAccess.Configuration(new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment)
                : null;
            var request = new MemberReplaceRequest(parse.GetValue(node)!, new ReplacePaths(parse.GetValue(DataDir)!, parse.GetValue(ManifestDir)!),
                parse.GetValue(StateDir) ?? ExecutorFlags.DefaultStateDir(context), parse.GetValue(DryRun), parse.GetValue(Resume), parse.GetValue(Yes),
                await EtcdAsync(parse, context, kube, cancellationToken).ConfigureAwait(false), kube);
            var services = new MemberReplaceServices(context.Time, () => ExecutorFlags.Create(context, parse, kube), plan => PrintPlan(context, plan),
                () => Confirm(context), line => context.Err.WriteLine(line, Style.Plain));
            var outcome = await MemberReplace.MemberReplace.RunAsync(request, services, cancellationToken).ConfigureAwait(false);
            if (outcome.Note is { } note)
            {
                context.Err.WriteLine(note, Style.Plain);
            }

            if (outcome.Report is { } r && !StructuredOutput.TryWrite(context, OutputFlag.Get(parse), r))
            {
                await context.RawOut.WriteLineAsync($"replaced: node {r.Node}'s member {r.OldId} is now {r.NewId}, a voter of cluster {r.ClusterId} at {string.Join(',', r.PeerUrls)}, " +
                    $"serving {r.Keys} keys at revision {r.Revision} as the leader does; the old data dir is kept at {r.Aside} ({r.Ran.Count} steps run, {r.Skipped.Count} skipped)").ConfigureAwait(false);
            }

            return outcome.ExitCode;
        });
        return command;
    }

    /// <summary>etcd's flags when they name endpoints, else the endpoints the cluster's etcd pods advertise (as doctor and upgrade find them).</summary>
    private static async Task<EtcdConnectionOptions> EtcdAsync(ParseResult parse, CliContext context, k8s.KubernetesClientConfiguration? kube, CancellationToken cancellationToken)
    {
        var given = parse.GetValue(EtcdConnectionFlags.Endpoints) is not null || context.Environment("ETCDCTL_ENDPOINTS") is not null;
        if (given || kube is null)
        {
            return EtcdConnectionFlags.Bind(parse, context.Environment);
        }

        using var connection = KubeHttp.Connect(kube);
        var source = await ClusterEtcdFlags.ResolveAsync(parse, context, new KubeUpgradeApi(connection.Client, null, connection.Http), cancellationToken).ConfigureAwait(false);
        return source.Options ?? throw new PitcrewException(source.Problem ?? "no etcd endpoints; pass --endpoints", ExitCodes.Usage);
    }

    private static bool Confirm(CliContext context)
    {
        if (Console.IsInputRedirected)
        {
            return false;
        }

        context.Err.Write(new Text("This stops etcd on the node above, removes its member and rebuilds it from the others (the old data dir is kept). Type yes to go on: "));
        return string.Equals(Console.ReadLine()?.Trim(), "yes", StringComparison.Ordinal);
    }

    private static void PrintPlan(CliContext context, MemberReplacePlan plan)
    {
        var err = context.Err;
        if (plan.Target is { } t)
        {
            err.WriteLine($"replace etcd member {t.Name} ({t.Id}, peer {string.Join(',', t.PeerUrls)}) on node {t.Node} in cluster {t.ClusterId}; the others: {string.Join(", ", t.Others)}",
                Style.Plain);
        }

        foreach (var step in plan.Steps)
        {
            err.WriteLine($"  {step.Id,-26} {step.Command ?? step.Description}", Style.Plain);
        }

        foreach (var problem in plan.Problems)
        {
            err.WriteLine($"blocked: {problem.Message}; {problem.Hint}", Style.Plain);
        }
    }
}
