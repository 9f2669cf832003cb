using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;
using Pitcrew.Restore;
using Spectre.Console;

namespace Pitcrew.Cli.ClusterCommands;

/// <summary>pitcrew cluster restore: the kubeadm restore runbook performed on every control-plane node, journaled.</summary>
internal static class ClusterRestoreCommand
{
    private static readonly Option<string?> Snapshot = new("--snapshot") { Description = "The snapshot to restore (a file here)", HelpName = "FILE" };
    private static readonly Option<string?> FromBackup = new("--from-backup") { Description = "A backup name (or latest) in --store, fetched and verified first", HelpName = "NAME" };
    private static readonly Option<long?> PointRevision = new("--revision")
    {
        Description = "With --from-backup: restore the keyspace as etcd served it at this revision (the backup plus its change stream)",
        HelpName = "N",
    };

    private static readonly Option<string?> PointAt = new("--at")
    {
        Description = "With --from-backup: restore the keyspace as it was at this moment (RFC 3339), from the backup and its change stream",
        HelpName = "TIME",
    };
    private static readonly Option<string?> InitialCluster = new("--initial-cluster")
    {
        Description = "Every member as NODE=PEER-URL (kubeadm names members after nodes); default: etcd's member list",
    };

    private static readonly Option<string?> NodeSnapshot = new("--node-snapshot")
    {
        Description = $"Where a copy of the snapshot already is on every node: no upload (default: upload it to {ClusterRestoreProcedure.UploadDir}/NAME)", HelpName = "PATH",
    };

    private static readonly Option<string?> Token = new("--initial-cluster-token")
    {
        Description = "The restored cluster's token (default: pitcrew-restore-STAMP, new for every restore, so every ID is new)",
    };

    private static readonly Option<string> Tool = CreateTool();
    private static readonly Option<string> DataDir = new("--data-dir") { Description = "etcd's data dir on the nodes", DefaultValueFactory = _ => ClusterRestoreProcedure.DefaultDataDir };
    private static readonly Option<string> ManifestDir = new("--manifest-dir") { Description = "The kubelet's static-pod dir", DefaultValueFactory = _ => ClusterRestoreProcedure.DefaultManifestDir };
    private static readonly Option<string?> StateDir = new("--state-dir") { Description = "Where the journal and a fetched backup go (default $XDG_STATE_HOME/pitcrew or ~/.local/state/pitcrew)", HelpName = "DIR" };
    private static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do not ask before touching the nodes" };
    private static readonly Option<bool> Resume = new("--resume") { Description = "Go on from the journal of an interrupted run (same snapshot)" };
    private static readonly Option<bool> PlanOnly = new("--plan-only") { Description = "Print the checked plan and exit (3 when a check fails); touches nothing" };

    public static Command Create(CliContext context)
    {
        var bump = RestoreFlags.BumpRevision();
        var command = new Command("restore")
        {
            Snapshot, FromBackup, PointRevision, PointAt, ExecutorFlags.Executor, ExecutorFlags.Inventory, ExecutorFlags.KnownHosts, ExecutorFlags.SshAcceptNew, InitialCluster, Token, bump, Tool, NodeSnapshot, DataDir, ManifestDir, StateDir, Yes, Resume, PlanOnly,
            NodeFlags.Kubeconfig, NodeFlags.Context, BackupStoreFlags.Store, BackupStoreFlags.S3Endpoint, BackupStoreFlags.KeyFile,
        }.Describe(
            "Restore etcd on every control-plane node from one snapshot: the standard kubeadm restore runbook, planned, checked and journaled",
            """
            Finds the control-plane nodes and etcd members (etcd's member list and the cluster's nodes, or
            --initial-cluster), plans every member's restore (IDs, flags) and refuses unless the plan checks out.
            Then, through the executor: copy the snapshot to every node (unless --node-snapshot) and check its
            SHA-256 there before anything stops; on every node park the etcd manifest and wait for etcd to exit; move the
            data dir aside with a timestamp (never deleted); restore the member; chown like the old dir; put the
            manifests back; wait for etcd health; check the members (all planned, all voters, one cluster ID);
            restart the kube-apiservers; compare keys per prefix served by every member with the snapshot. Each step is journaled in the state dir; after a failure fix the cause and add --resume.
            Exit codes: 0 restored and verified, 3 plan blocked or not confirmed, 4 a step failed (resume),
            10 a node's copy is missing, 14 a node's copy has another SHA-256 (nothing stopped either way).
            """,
            """
            pitcrew cluster restore --snapshot /var/backups/etcd.db --endpoints https://10.0.0.11:2379 \
              --cacert ca.crt --cert client.crt --key client.key --inventory nodes.yaml
            pitcrew cluster restore --from-backup latest --store s3://backups/etcd --executor ssh --yes
            pitcrew cluster restore --from-backup latest --at 2026-12-08T09:41:00Z --store s3://backups/etcd --executor ssh --yes
            pitcrew cluster restore --snapshot snap.db --executor sim --endpoints http://127.0.0.1:41234 --yes
            """);
        foreach (var option in EtcdConnectionFlags.All)
        {
            command.Add(option);
        }

        command.Outputs(OutputFlag.Structured);
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, bump, cancellationToken));
        return command;
    }

    /// <summary>--at as an instant; with --revision or without --from-backup a usage error.</summary>
    private static DateTimeOffset? Point(ParseResult parse)
    {
        var at = parse.GetValue(PointAt);
        var revision = parse.GetValue(PointRevision);
        if ((at is not null || revision is not null) && parse.GetValue(FromBackup) is null)
        {
            throw new PitcrewException("--at and --revision rebuild a point from a backup: use them with --from-backup NAME", ExitCodes.Usage);
        }

        return BackupCommands.Rfc3339.Point(revision, at).At;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, Option<long?> bump, CancellationToken cancellationToken)
    {
        var request = new ClusterRestoreRequest(parse.GetValue(Snapshot), parse.GetValue(FromBackup), parse.GetValue(InitialCluster), parse.GetValue(NodeSnapshot),
            parse.GetValue(Token), parse.GetValue(bump), parse.GetValue(DataDir)!, parse.GetValue(ManifestDir)!,
            parse.GetValue(StateDir) ?? ExecutorFlags.DefaultStateDir(context), parse.GetValue(Yes), parse.GetValue(Resume), parse.GetValue(PlanOnly),
            EtcdConnectionFlags.Bind(parse, context.Environment),
            ClusterRestoreRequest.UsesCluster(parse.GetValue(ExecutorFlags.Executor)!, parse.GetValue(NodeFlags.Kubeconfig))
                ? new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context))
                : null,
            parse.GetValue(Tool) == "etcdctl" ? RestoreTool.Etcdctl : RestoreTool.Pitcrew,
            parse.GetValue(PointRevision), Point(parse));
        var services = new ClusterRestoreServices(context.Time, context.Environment, () => BackupStoreFlags.Open(parse, context), () => BackupStoreFlags.Key(parse),
            kube => ExecutorFlags.Create(context, parse, kube), plan => PrintPlan(context, plan), () => Confirm(context), line => context.Err.WriteLine(line, Style.Plain));
        var outcome = await ClusterRestore.RunAsync(request, services, cancellationToken).ConfigureAwait(false);
        if (outcome.Note is { } note)
        {
            context.Err.WriteLine(note);
        }

        if (outcome.Report is { } report && !StructuredOutput.TryWrite(context, OutputFlag.Get(parse), report))
        {
            PrintReport(context, report);
        }

        return outcome.ExitCode;
    }

    private static Option<string> CreateTool()
    {
        var tool = new Option<string>("--restore-tool")
        {
            Description = "What restores each member on its node: pitcrew (no etcd tools needed, bumps the revision) or etcdctl (etcd's own tool; needs --bump-revision 0)",
            HelpName = "pitcrew|etcdctl",
            DefaultValueFactory = _ => "pitcrew",
        };
        tool.AcceptOnlyFromAmong("pitcrew", "etcdctl");
        return tool;
    }

    private static bool Confirm(CliContext context)
    {
        if (Console.IsInputRedirected)
        {
            return false;
        }

        context.Err.Write(new Text("This stops etcd on every node above and replaces its data (the old dirs are kept). Type yes to go on: "));
        return string.Equals(Console.ReadLine()?.Trim(), "yes", StringComparison.Ordinal);
    }

    private static void PrintPlan(CliContext context, ClusterRestorePlan plan)
    {
        var err = context.Err;
        var r = plan.Restore;
        err.WriteLine($"restore {r.Snapshot}: revision {r.SnapshotRevision}, restored at {r.RestoredRevision} (bump {r.BumpRevision}), cluster ID {r.ClusterId}", Style.Plain);
        foreach (var m in plan.Members)
        {
            var id = r.Members.FirstOrDefault(c => c.Name == m.Member)?.MemberId ?? "?";
            err.WriteLine($"  node {m.Node}: member {m.Member} ID {id} peer {string.Join(',', m.PeerUrls)}", Style.Plain);
        }

        foreach (var step in plan.Steps)
        {
            err.WriteLine($"  {step.Id,-34} {step.Command ?? step.Description}", Style.Plain);
        }

        foreach (var problem in plan.Problems)
        {
            err.WriteLine($"blocked: {problem.Check}: {problem.Message}; {problem.Hint}", Style.Plain);
        }
    }

    private static void PrintReport(CliContext context, ClusterRestoreReport report)
    {
        var output = context.RawOut;
        output.WriteLine($"restored: {report.Ran.Count} steps run, {report.Skipped.Count} skipped (done before); etcd serves revision {report.ServedRevision} (restored at {report.RestoredRevision})");
        foreach (var count in report.Counts.Where(c => c.Snapshot != c.Served || c.Prefix.StartsWith("/registry/", StringComparison.Ordinal)))
        {
            output.WriteLine($"  {count.Prefix,-50} snapshot {count.Snapshot,8}  served {count.Served,8}{(report.Lost.Contains(count.Prefix) ? "  LOST" : string.Empty)}");
        }

        foreach (var member in report.Members)
        {
            output.WriteLine($"  member {member.Member} {member.MemberId} at {member.Endpoint}: cluster {member.ClusterId}, revision {member.Revision}, " +
                $"keys {member.Counts.Sum(c => c.Served)} of {member.Counts.Sum(c => c.Snapshot)}{(member.Lost.Count > 0 ? "  LOST " + string.Join(", ", member.Lost) : string.Empty)}");
        }

        output.WriteLine(report.Ok ? "verified: every prefix of the snapshot is served" : $"NOT verified: lost {string.Join(", ", report.Lost)}");
    }
}
