using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Etcd;
using Pitcrew.Sim;
using Pitcrew.Sim.Scenarios;
using Pitcrew.Snapshots;
using Spectre.Console;

namespace Pitcrew.Cli.Demo;

/// <summary>pitcrew demo: the simulated cluster started, inspected, backed up, faulted and stopped, end to end.</summary>
internal static class DemoCommand
{
    /// <summary>Faster than a real cluster's 40 s, so the demo shows a node going NotReady without a long wait.</summary>
    private static readonly SimTimings DemoTimings = SimTimings.Default with { LeaseRenewInterval = TimeSpan.FromSeconds(1), NodeMonitorGracePeriod = TimeSpan.FromSeconds(5) };

    public static Command Create(CliContext context)
    {
        var dir = new Option<string?>("--dir") { Description = "Work directory (default: a new temporary one, removed afterwards)" };
        var command = new Command("demo")
        {
            dir,
        }.Describe(
            "Rehearse maintenance on a throwaway simulated cluster",
            """
            Starts the simulated cluster (demo scenario: a control plane, three workers, web and db Deployments with
            PodDisruptionBudgets, a DaemonSet, an emptyDir pod, a bare pod) on a real etcd, waits for its pods to run,
            shows its nodes and budgets, takes a snapshot of its etcd, shows the snapshot's status (Kubernetes objects
            per resource) and verifies it, checks etcd's endpoints, stops a kubelet to show a node going NotReady,
            then rehearses an upgrade on a second small cluster (v1.29 to v1.30 with pitcrew upgrade apply through the
            sim's node agent: preflight, pre-upgrade backup, control plane, canary, workers, health gates, report) and
            stops everything. Nothing outside the work directory is touched and nothing is left running.
            """,
            """
            pitcrew demo
            pitcrew demo --dir ./demo   # keeps the snapshot, the etcd data dir and the kubeconfig
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var given = parse.GetValue(dir);
            var root = given ?? Path.Combine(Path.GetTempPath(), "pitcrew-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(root);
            try
            {
                var code = await RunAsync(context, root, cancellationToken).ConfigureAwait(false);
                return code == ExitCodes.Ok ? await UpgradeRehearsalAsync(context, root, cancellationToken).ConfigureAwait(false) : code;
            }
            finally
            {
                if (given is null)
                {
                    Directory.Delete(root, recursive: true);
                }
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string root, CancellationToken cancellationToken)
    {
        var simDir = Path.Combine(root, "sim");
        Step(context, "pitcrew sim up --scenario demo: etcd and a Kubernetes API server on free loopback ports");
        await using var sim = await SimServer.StartAsync(
            new SimOptions(simDir, Scenario: ScenarioReader.Load("demo"), Timings: DemoTimings), context.Time, cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"API server {sim.Url}, etcd {sim.EtcdEndpoint} (pid {sim.EtcdPid}), kubeconfig {sim.KubeconfigPath}");
        using var client = SimClient.Open(simDir);

        Step(context, "Waiting for the demo workloads to run");
        var view = new ClusterView(client, context.Time);
        await view.WaitForPodsAsync(cancellationToken).ConfigureAwait(false);
        await view.ShowAsync(context.Out, cancellationToken).ConfigureAwait(false);

        var connection = new EtcdConnectionOptions([sim.EtcdEndpoint]);
        var snapshotPath = Path.Combine(root, "snapshot.db");
        Step(context, $"pitcrew etcd snapshot save {snapshotPath} --endpoints={sim.EtcdEndpoint}");
        var saved = await SnapshotSaver.SaveAsync(new SnapshotSaveOptions(snapshotPath, connection), null, context.Time, cancellationToken).ConfigureAwait(false);
        SnapshotRenderer.Saved(context.Out, saved);

        Step(context, $"pitcrew etcd snapshot status {snapshotPath}");
        SnapshotRenderer.Status(context.Out, await SnapshotReader.ReadAsync(snapshotPath, checkTrailer: true, cancellationToken).ConfigureAwait(false));

        Step(context, $"pitcrew etcd snapshot verify {snapshotPath}");
        var verified = await SnapshotReader.VerifyAsync(snapshotPath, skipHashCheck: false, cancellationToken).ConfigureAwait(false);
        SnapshotRenderer.Verified(context.Out, SnapshotVerdict.Of(snapshotPath, verified));

        Step(context, $"pitcrew etcd endpoint status / health --endpoints={sim.EtcdEndpoint}");
        EndpointRenderer.Status(context.Out, await EtcdEndpoints.StatusAsync(connection, false, cancellationToken).ConfigureAwait(false));
        EndpointRenderer.Health(context.Out, await EtcdEndpoints.HealthAsync(connection, false, context.Time, cancellationToken).ConfigureAwait(false));

        Step(context, "pitcrew sim fault worker-2 kubelet-stop: the node goes NotReady once its lease lapses");
        await client.SetFaultAsync("worker-2", "kubelet-stop", cancellationToken).ConfigureAwait(false);
        await view.WaitForNodeAsync("worker-2", "Unknown", cancellationToken).ConfigureAwait(false);
        await view.ShowNodesAsync(context.Out, cancellationToken).ConfigureAwait(false);
        await client.SetFaultAsync("worker-2", "clear", cancellationToken).ConfigureAwait(false);

        Step(context, "Stopping the simulated cluster and its etcd");
        return ExitCodes.Ok;
    }

    /// <summary>A second, smaller cluster at v1.29 upgraded to v1.30 by pitcrew upgrade apply through the sim's node agent.</summary>
    private static async Task<int> UpgradeRehearsalAsync(CliContext context, string root, CancellationToken cancellationToken)
    {
        var simDir = Path.Combine(root, "upgrade-sim");
        Step(context, "pitcrew sim up: a second cluster at v1.29.15 (a control plane, two workers, web behind a budget) to rehearse an upgrade");
        var scenario = ScenarioReader.Parse("""
            version: v1.29.15
            nodes:
              - { name: cp, count: 1, role: control-plane }
              - { name: worker, count: 2 }
            workloads:
              - { kind: Deployment, name: web, namespace: shop, replicas: 3, image: "nginx:1.27", pdb: { maxUnavailable: "1" } }
              - { kind: DaemonSet, name: node-agent, namespace: kube-system }
            """, "demo upgrade rehearsal");
        await using var sim = await SimServer.StartAsync(new SimOptions(simDir, Scenario: scenario, Timings: DemoTimings), context.Time, cancellationToken).ConfigureAwait(false);
        using var client = SimClient.Open(simDir);
        var view = new ClusterView(client, context.Time);
        await view.WaitForPodsAsync(cancellationToken).ConfigureAwait(false);

        string[] apply =
        [
            "upgrade", "apply", "--to", "v1.30", "--force", "--executor", "sim", "--kubeconfig", sim.KubeconfigPath, "--store", "file://" + Path.Combine(root, "backups"),
            "--endpoints", sim.EtcdEndpoint, "--state-dir", Path.Combine(root, "upgrade"), "--bake", "3s", "--yes",
        ];
        Step(context, "pitcrew upgrade apply --to v1.30 --executor sim --store file://... --bake 3s --yes (--force: v1.30 is past its end of life)");
        var code = await CliApp.RunAsync(apply, context).ConfigureAwait(false);
        await view.ShowNodesAsync(context.Out, cancellationToken).ConfigureAwait(false);
        Step(context, "Stopping the second cluster");
        return code;
    }

    private static void Step(CliContext context, string text) =>
        context.Out.MarkupLine($"[bold]==> {Markup.Escape(text)}[/]");
}
