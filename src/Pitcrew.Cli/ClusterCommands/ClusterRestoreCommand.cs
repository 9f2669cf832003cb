using System.CommandLine;
using k8s;
using Pitcrew.Backups;
using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cli.Output;
using Pitcrew.Cluster;
using Pitcrew.Errors;
using Pitcrew.Restore;
using Pitcrew.Upgrade.Apply;
using Spectre.Console;

namespace Pitcrew.Cli.ClusterCommands;

/// <summary>pitcrew cluster restore: the kubeadm restore runbook performed on every control-plane node, journaled.</summary>
internal static class ClusterRestoreCommand
{
    private static readonly Option<string?> Snapshot = new("--snapshot") { Description = "The snapshot to restore (a file here)", HelpName = "FILE" };
    private static readonly Option<string?> FromBackup = new("--from-backup") { Description = "A backup name (or latest) in --store, fetched and verified first", HelpName = "NAME" };
    private static readonly Option<string?> InitialCluster = new("--initial-cluster")
    {
        Description = "Every member as NODE=PEER-URL (kubeadm names members after nodes); default: etcd's member list",
    };

    private static readonly Option<string?> NodeSnapshot = new("--node-snapshot") { Description = "Where the snapshot is on every node (default: the same path as here)", HelpName = "PATH" };
    private static readonly Option<string> DataDir = new("--data-dir") { Description = "etcd's data dir on the nodes", DefaultValueFactory = _ => ClusterRestoreProcedure.DefaultDataDir };
    private static readonly Option<string> ManifestDir = new("--manifest-dir") { Description = "The kubelet's static-pod dir", DefaultValueFactory = _ => ClusterRestoreProcedure.DefaultManifestDir };
    private static readonly Option<string?> StateDir = new("--state-dir") { Description = "Where the journal and a fetched backup go (default $XDG_STATE_HOME/pitcrew or ~/.local/state/pitcrew)", HelpName = "DIR" };
    private static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do not ask before touching the nodes" };
    private static readonly Option<bool> Resume = new("--resume") { Description = "Go on from the journal of an interrupted run (same snapshot)" };
    private static readonly Option<bool> PlanOnly = new("--plan-only") { Description = "Print the checked plan and exit (3 when a check fails); touches nothing" };

    public static Command Create(CliContext context)
    {
        var token = RestoreFlags.Token();
        var bump = RestoreFlags.BumpRevision();
        var command = new Command("restore")
        {
            Snapshot, FromBackup, ExecutorFlags.Executor, ExecutorFlags.Inventory, ExecutorFlags.KnownHosts, ExecutorFlags.SshAcceptNew, InitialCluster, token, bump, NodeSnapshot, DataDir, ManifestDir, StateDir, Yes, Resume, PlanOnly,
            NodeFlags.Kubeconfig, NodeFlags.Context, BackupStoreFlags.Store, BackupStoreFlags.S3Endpoint, BackupStoreFlags.KeyFile,
        }.Describe(
            "Restore etcd on every control-plane node from one snapshot: the standard kubeadm restore runbook, planned, checked and journaled",
            """
            Finds the control-plane nodes and etcd members (etcd's member list and the cluster's nodes, or
            --initial-cluster), plans every member's restore (IDs, flags) and refuses unless the plan checks out.
            Then, through the executor: on every node park the etcd manifest and wait for etcd to exit; move the
            data dir aside with a timestamp (never deleted); restore the member; chown like the old dir; put the
            manifests back; wait for etcd health; restart the kube-apiservers; compare keys per prefix with the
            snapshot. Each step is journaled in the state dir; after a failure fix the cause and add --resume.
            Exit codes: 0 restored and verified, 3 plan blocked or not confirmed, 4 a step failed (resume).
            """,
            """
            pitcrew cluster restore --snapshot /var/backups/etcd.db --endpoints https://10.0.0.11:2379 \
              --cacert ca.crt --cert client.crt --key client.key --inventory nodes.yaml
            pitcrew cluster restore --from-backup latest --store s3://backups/etcd --executor ssh --yes
            pitcrew cluster restore --snapshot snap.db --executor sim --endpoints http://127.0.0.1:41234 --yes
            """);
        foreach (var option in EtcdConnectionFlags.All)
        {
            command.Add(option);
        }

        command.Outputs(OutputFlag.Structured);
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, token, bump, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, Option<string> token, Option<long?> bump, CancellationToken cancellationToken)
    {
        var stateDir = parse.GetValue(StateDir) ?? ExecutorFlags.DefaultStateDir(context);
        var etcd = EtcdConnectionFlags.Bind(parse, context.Environment);
        var journal = parse.GetValue(Resume) ? await ClusterRestoreJournal.LoadAsync(stateDir, cancellationToken).ConfigureAwait(false) : null;
        if (parse.GetValue(Resume) && journal is null)
        {
            throw new PitcrewException($"--resume: no journal in {stateDir}", ExitCodes.Usage);
        }

        if (!parse.GetValue(Resume) && !parse.GetValue(PlanOnly) && await ClusterRestoreJournal.LoadAsync(stateDir, cancellationToken).ConfigureAwait(false) is { Finished: false } unfinished)
        {
            throw new PitcrewException($"{Path.Combine(stateDir, ClusterRestoreJournal.FileName)}: an unfinished restore of {unfinished.Snapshot} ({unfinished.Done.Count} steps done); add --resume, or move the journal aside to start over",
                ExitCodes.Blocked);
        }

        var snapshot = await SnapshotAsync(context, parse, stateDir, journal, cancellationToken).ConfigureAwait(false);
        var kube = parse.GetValue(ExecutorFlags.Executor) == "ssh" || parse.GetValue(ExecutorFlags.Executor) == "sim" || parse.GetValue(NodeFlags.Kubeconfig) is not null
            ? KubeAccess.Configuration(new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment)
            : null;
        var members = await MembersAsync(parse, etcd, kube, journal, cancellationToken).ConfigureAwait(false);
        var facts = await FactsAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var stamp = journal?.Stamp ?? ClusterRestoreProcedure.StampOf(context.Time.GetUtcNow());
        var plan = ClusterRestoreProcedure.Plan(new ClusterRestoreInputs(snapshot, parse.GetValue(NodeSnapshot) ?? snapshot, facts, members.Hosted,
            parse.GetValue(token)!, parse.GetValue(bump), parse.GetValue(DataDir)!, parse.GetValue(ManifestDir)!, stamp));
        plan = plan with { Problems = [.. members.Problems, .. plan.Problems] };
        PrintPlan(context, plan);
        if (!plan.Ok || parse.GetValue(PlanOnly))
        {
            return plan.Ok ? ExitCodes.Ok : ExitCodes.Blocked;
        }

        if (!parse.GetValue(Yes) && !Confirm(context))
        {
            context.Err.WriteLine("not confirmed; nothing was touched (pass --yes to skip the question)");
            return ExitCodes.Blocked;
        }

        await using var clusterLock = await LockAsync(context, kube, stamp, snapshot, cancellationToken).ConfigureAwait(false);
        await using var executor = ExecutorFlags.Create(context, parse, kube);
        var runner = new ClusterRestoreRunner(executor, etcd, stateDir, context.Time, line => context.Err.WriteLine(line, Style.Plain));
        journal ??= new ClusterRestoreJournal(snapshot, stamp, [.. plan.Members.Select(m => $"{m.Node}|{m.Member}|{string.Join(',', m.PeerUrls)}")], [], false);
        var report = await runner.RunAsync(plan, snapshot, journal, cancellationToken).ConfigureAwait(false);
        if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), report))
        {
            PrintReport(context, report);
        }

        return report.Ok ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>
    /// Takes the cluster lock (the Lease upgrade apply takes) so a restore never runs beside an upgrade or another restore;
    /// when the API server is down (etcd stopped mid-restore) there is nothing to lock against and the restore goes on.
    /// </summary>
    private static async Task<MaintenanceLock?> LockAsync(CliContext context, KubernetesClientConfiguration? kube, string stamp, string snapshot, CancellationToken cancellationToken)
    {
        if (kube is null)
        {
            return null;
        }

        try
        {
            return await MaintenanceLock.AcquireAsync(KubeAccess.Connect(kube), LockHolder.Here("restore", stamp), $"restore of etcd from {Path.GetFileName(snapshot)}",
                TimeSpan.FromMinutes(5), takeOver: false, context.Time, line => context.Err.WriteLine(line, Style.Plain), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException { Response.StatusCode: >= System.Net.HttpStatusCode.InternalServerError })
        {
            context.Err.WriteLine($"cluster lock not taken: the API server does not answer ({e.Message}); going on", Style.Plain);
            return null;
        }
    }

    /// <summary>The snapshot file here: --snapshot, or --from-backup fetched (verified) into the state dir.</summary>
    private static async Task<string> SnapshotAsync(CliContext context, ParseResult parse, string stateDir, ClusterRestoreJournal? journal, CancellationToken cancellationToken)
    {
        var file = parse.GetValue(Snapshot);
        var backup = parse.GetValue(FromBackup);
        if ((file is null) == (backup is null))
        {
            throw new PitcrewException("pass exactly one of --snapshot FILE and --from-backup NAME", ExitCodes.Usage);
        }

        if (file is not null)
        {
            var full = Path.GetFullPath(file);
            return journal is not null && journal.Snapshot != full
                ? throw new PitcrewException($"--resume: the journal restores {journal.Snapshot}, not {full}", ExitCodes.Usage)
                : full;
        }

        if (journal is not null)
        {
            return journal.Snapshot;
        }

        Directory.CreateDirectory(stateDir);
        using var store = BackupStoreFlags.Open(parse, context);
        var target = Path.Combine(Path.GetFullPath(stateDir), $"restore-{ClusterRestoreProcedure.StampOf(context.Time.GetUtcNow())}.db");
        var fetched = await BackupReader.FetchAsync(store, backup!, BackupStoreFlags.Key(parse), target, context.Time, cancellationToken).ConfigureAwait(false);
        context.Err.WriteLine($"fetched and verified backup {fetched.Manifest.Name} from {store.Location} into {target}", Style.Plain);
        return target;
    }

    private static async Task<SnapshotFacts> FactsAsync(string snapshot, CancellationToken cancellationToken)
    {
        try
        {
            var status = await Snapshots.SnapshotReader.VerifyAsync(snapshot, false, cancellationToken).ConfigureAwait(false);
            return new SnapshotFacts(status.Revision, status.RegistryKeys.Count > 0, null);
        }
        catch (Snapshots.SnapshotFormatException e)
        {
            return new SnapshotFacts(0, false, e.Message);
        }
    }

    private static async Task<(IReadOnlyList<HostedMember> Hosted, IReadOnlyList<RestoreProblem> Problems)> MembersAsync(
        ParseResult parse, Etcd.EtcdConnectionOptions etcd, KubernetesClientConfiguration? kube, ClusterRestoreJournal? journal, CancellationToken cancellationToken)
    {
        if (parse.GetValue(InitialCluster) is { } initial)
        {
            return (ClusterRestoreDiscovery.FromInitialCluster(initial), []);
        }

        IReadOnlyList<(string Name, IReadOnlyList<string> PeerUrls)> members;
        try
        {
            members = await ClusterRestoreDiscovery.MembersAsync(etcd, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or PitcrewException)
        {
            if (journal is not null && journal.Members.Count > 0)
            {
                // etcd is down mid-restore: the journal remembers who hosts what.
                return ([.. journal.Members.Select(m => m.Split('|')).Select(p => new HostedMember(p[0], p[1], p[2].Split(',')))], []);
            }

            var hint = journal is null ? "pass --initial-cluster NODE=PEER-URL,..." : "etcd is down mid-restore: pass the same --initial-cluster as the journal's members "
                + string.Join(',', journal.Members);
            return ([], [new RestoreProblem("members", $"cannot list etcd's members at {string.Join(',', etcd.Endpoints)}: {e.Message}", hint)]);
        }

        var nodes = new List<string>();
        if (kube is not null)
        {
            using var client = KubeAccess.Connect(kube);
            var list = await client.CoreV1.ListNodeAsync(labelSelector: "node-role.kubernetes.io/control-plane", cancellationToken: cancellationToken).ConfigureAwait(false);
            nodes.AddRange(list.Items.Select(n => n.Metadata.Name).Order(StringComparer.Ordinal));
        }

        return nodes.Count == 0
            ? ([.. members.Select(m => new HostedMember(m.Name, m.Name, m.PeerUrls))], [])
            : ClusterRestoreDiscovery.Pair(members, nodes);
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

        output.WriteLine(report.Ok ? "verified: every prefix of the snapshot is served" : $"NOT verified: lost {string.Join(", ", report.Lost)}");
    }
}
