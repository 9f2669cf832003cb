using Pitcrew.Sim;
using Pitcrew.Sim.Scenarios;
using Spectre.Console;

namespace Pitcrew.Cli.SimCommands;

/// <summary>pitcrew sim up: the simulated cluster in the foreground.</summary>
internal static class SimCommand
{
    public static Command Create(CliContext context)
    {
        var dir = new Option<string>("--dir") { Description = "Directory for etcd data, certificates, kubeconfig and logs", DefaultValueFactory = _ => "pitcrew-sim" };
        var scenario = new Option<string>("--scenario") { Description = "Scenario file, or a built-in one: demo, large (1,000 nodes, 30,000 pods; sized by --workers)", DefaultValueFactory = _ => "demo" };
        var controlPlanes = new Option<int?>("--control-planes") { Description = "Control-plane nodes (overrides the scenario's count)" };
        var workers = new Option<int?>("--workers") { Description = "Worker nodes (overrides the scenario's count)" };
        var version = new Option<string?>("--version") { Description = "Kubernetes version the cluster reports (overrides the scenario's)" };
        var etcd = new Option<string?>("--etcd-endpoints") { Description = "Use this etcd instead of starting one" };
        var detach = new Option<bool>("--detach") { Description = "Run in the background (log in DIR/sim.log); stop it with pitcrew sim down" };
        var kubeletRestart = new Option<TimeSpan?>("--kubelet-restart")
        {
            Description = "How long a node stays NotReady after its kubelet restarts (default 2s), e.g. 10s for a realistic upgrade rehearsal",
            HelpName = "DURATION",
            CustomParser = ParseDuration,
        };
        var up = new Command("up")
        {
            dir, scenario, controlPlanes, workers, version, etcd, detach, kubeletRestart,
        }.Describe(
            "Start a simulated Kubernetes cluster on a real etcd and serve its API until Ctrl+C",
            """
            Starts etcd (a child process on free loopback ports, data under --dir, unless --etcd-endpoints is given) and
            a Kubernetes API server on https://127.0.0.1:<free port> with client-certificate authentication, writes
            --dir/kubeconfig (context pitcrew-sim) and serves until Ctrl+C or SIGTERM, then stops everything it started.
            The real kubectl works against it.
            """,
            """
            pitcrew sim up --dir ./sim --workers 5 --version v1.29.8
            pitcrew sim up --dir ./sim --scenario ./my-cluster.yaml
            export KUBECONFIG=$PWD/sim/kubeconfig && kubectl get nodes
            """);
        up.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(detach))
            {
                return await DetachAsync(context, parse, cancellationToken).ConfigureAwait(false);
            }

            var options = new SimOptions(parse.GetValue(dir)!, EtcdEndpoints: parse.GetValue(etcd),
                Timings: parse.GetValue(kubeletRestart) is { } restart ? SimTimings.Default with { KubeletRestart = restart } : null,
                Scenario: Scenario(parse.GetValue(scenario)!, parse.GetValue(controlPlanes), parse.GetValue(workers), parse.GetValue(version)));
            await using var sim = await SimServer.StartAsync(options, context.Time, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine($"API server: {sim.Url} (etcd {sim.EtcdEndpoint})");
            context.Out.WriteLine($"kubeconfig: {sim.KubeconfigPath}");
            context.Out.WriteLine($"export KUBECONFIG={sim.KubeconfigPath}");
            context.Err.WriteLine("serving; press Ctrl+C to stop");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                context.Err.WriteLine("stopping the simulated cluster");
            }

            return ExitCodes.Ok;
        });
        return new Command("sim", "Run a simulated cluster to rehearse maintenance on") { up, Down(context), Fault(context), Exec(context) };
    }

    /// <summary>Starts the same command without --detach in the background and reports where it is.</summary>
    private static async Task<int> DetachAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var dir = Path.GetFullPath(parse.GetValue<string>("--dir")!);
        var args = parse.Tokens.Select(t => t.Value).Where(a => a != "--detach").ToList();
        var self = typeof(SimCommand).Assembly.Location;
        var apphost = Path.Combine(Path.GetDirectoryName(self)!, "pitcrew");
        List<string> command = File.Exists(apphost) ? [apphost, .. args] : ["dotnet", self, .. args];
        var state = await SimProcess.StartDetachedAsync(dir, command, context.Time, cancellationToken).ConfigureAwait(false);
        context.Out.WriteLine($"API server: {state.Url} (pid {state.Pid}, log {Path.Combine(dir, SimProcess.LogFile)})");
        context.Out.WriteLine($"kubeconfig: {Path.Combine(dir, "kubeconfig")}");
        context.Out.WriteLine($"export KUBECONFIG={Path.Combine(dir, "kubeconfig")}");
        return ExitCodes.Ok;
    }

    private static Command Down(CliContext context)
    {
        var dir = new Option<string>("--dir") { Description = "Directory of the running sim", DefaultValueFactory = _ => "pitcrew-sim" };
        var command = new Command("down", "Stop a simulated cluster started with --detach, and its etcd") { dir };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var state = await SimProcess.StopAsync(parse.GetValue(dir)!, context.Time, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine($"stopped the simulated cluster at {state.Url} (pid {state.Pid})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Fault(CliContext context)
    {
        var dir = new Option<string>("--dir") { Description = "Directory of the running sim", DefaultValueFactory = _ => "pitcrew-sim" };
        var node = new Argument<string>("NODE") { Description = "The node to affect" };
        var fault = new Argument<string>("FAULT") { Description = "kubelet-stop, kubelet-start, disk-pressure, memory-pressure, pid-pressure, network-partition, etcd-stop, etcd-start, etcd-corrupt, exec-fail=COMMAND or clear" };
        var command = new Command("fault")
        {
            dir, node, fault,
        }.Describe(
            "Inject a failure into a simulated node: a stopped kubelet, node pressure, a network partition, an etcd member down, a failing command",
            """
            kubelet-stop (or network-partition): the node's kubelet stops renewing its Lease, and after the grace period the node
            lifecycle controller marks it NotReady (Unknown) and taints it unreachable; kubelet-start undoes kubelet-stop.
            disk-pressure, memory-pressure, pid-pressure: the kubelet reports the condition True and the node gets its taint.
            exec-fail=COMMAND: the node agent fails (exit 1) every command starting with COMMAND (pitcrew upgrade's steps).
            etcd-stop, etcd-start: the control-plane node's etcd member process is killed (its data kept) or started again;
            its etcd-NODE mirror pod shows it. With two of three members stopped the API server answers 503 until one is back.
            etcd-corrupt: the member's process is killed and every file of its data dir overwritten with garbage, so it cannot
            start again (etcd-start fails; its pod stays in CrashLoopBackOff) until it is replaced: pitcrew etcd member replace NODE.
            clear removes every fault of the node (an etcd member stopped stays stopped until etcd-start).
            """,
            """
            pitcrew sim fault --dir ./sim worker-2 kubelet-stop
            pitcrew sim fault --dir ./sim worker-3 disk-pressure
            pitcrew sim fault --dir ./sim worker-2 "exec-fail=kubeadm upgrade node"
            pitcrew sim fault --dir ./sim cp-3 etcd-stop
            pitcrew sim fault --dir ./sim cp-2 etcd-corrupt
            pitcrew sim fault --dir ./sim worker-2 clear
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = SimClient.Open(parse.GetValue(dir)!);
            var name = parse.GetValue(node)!;
            if (parse.GetValue(fault) is "etcd-stop" or "etcd-start" or "etcd-corrupt")
            {
                context.Out.WriteLine(await client.SetEtcdAsync(name, parse.GetValue(fault)!, cancellationToken).ConfigureAwait(false));
                return ExitCodes.Ok;
            }

            var faults = await client.SetFaultAsync(name, parse.GetValue(fault)!, cancellationToken).ConfigureAwait(false);
            context.Out.WriteLine(faults.Count == 0 ? $"node/{name}: no faults" : $"node/{name}: {string.Join(", ", faults)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Exec(CliContext context)
    {
        var dir = new Option<string>("--dir") { Description = "Directory of the running sim", DefaultValueFactory = _ => "pitcrew-sim" };
        var node = new Argument<string>("NODE") { Description = "The simulated node to run the command on" };
        var line = new Argument<string[]>("COMMAND") { Description = "The command, as a shell line (several words are joined with spaces; put -- before it, as with kubectl exec)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("exec")
        {
            dir, node, line,
        }.Describe(
            "Run a node command (apt-get, kubeadm, systemctl...) on a simulated node through its node agent",
            """
            The simulated node's agent performs what the upgrade and restore runbooks run on a real node (see
            docs/executors.md for the commands it knows) and changes the simulated cluster accordingly. Output is streamed
            as the agent prints it (stdout and stderr kept apart), and pitcrew exits with the command's exit code, as ssh does.
            """,
            """
            pitcrew sim exec --dir ./sim cp-1 -- kubeadm upgrade plan
            pitcrew sim exec --dir ./sim worker-1 -- 'apt-mark unhold kubelet && apt-get install -y kubelet=1.30.14-1.1'
            """);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var http = SimClient.CreateHttpClient(parse.GetValue(dir)!, withCertificate: true);
            http.Timeout = Timeout.InfiniteTimeSpan;
            await using var executor = new Executors.SimNodeExecutor(http, context.Time);
            var result = await executor.RunAsync(parse.GetValue(node)!, Executors.NodeCommand.Shell(string.Join(' ', parse.GetValue(line)!)),
                output => (output.Stream == Executors.OutputStream.Stderr ? context.Err : context.Out).Profile.Out.Writer.WriteLine(output.Text), cancellationToken).ConfigureAwait(false);
            if (result.TimedOut)
            {
                context.Err.WriteLine($"pitcrew: the command did not end within {Executors.NodeCommand.DefaultTimeout.TotalMinutes:0} minutes; stopped");
            }

            return result.ExitCode;
        });
        return command;
    }

    private static TimeSpan? ParseDuration(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (GoDuration.TryParse(text, out var period) && period < TimeSpan.FromHours(1))
        {
            return period;
        }

        result.AddError($"invalid duration \"{text}\" for --kubelet-restart: use e.g. 500ms, 10s or 1m (under an hour)");
        return null;
    }

    private static Scenario Scenario(string nameOrPath, int? controlPlanes, int? workers, string? version)
    {
        if (controlPlanes < 1 || workers < 0)
        {
            throw new PitcrewException("--control-planes must be at least 1 and --workers at least 0", ExitCodes.Usage);
        }

        var scenario = nameOrPath == LargeScenario.Name
            ? LargeScenario.Create(controlPlanes ?? 1, workers ?? LargeScenario.DefaultWorkers)
            : ScenarioReader.Load(nameOrPath).WithCounts(controlPlanes, workers);
        if (version is null)
        {
            return scenario;
        }

        try
        {
            _ = Sim.Api.SimVersion.Parse(version);
        }
        catch (FormatException e)
        {
            throw new PitcrewException("--version " + e.Message, ExitCodes.Usage);
        }

        return scenario with { Version = version };
    }
}
