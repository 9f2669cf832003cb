using Pitcrew.Cluster;
using Pitcrew.Nodes;

namespace Pitcrew.Cli.NodeCommands;

/// <summary>pitcrew node drain and drain-plan.</summary>
internal static class DrainCommand
{
    private static readonly Option<bool> Force = new("--force") { Description = "Continue even if there are pods that do not declare a controller" };
    private static readonly Option<bool> IgnoreDaemonSets = new("--ignore-daemonsets") { Description = "Ignore DaemonSet-managed pods" };
    private static readonly Option<bool> DeleteEmptyDir = new("--delete-emptydir-data") { Description = "Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained)" };
    private static readonly Option<int> GracePeriod = new("--grace-period") { Description = "Seconds each pod gets to terminate gracefully; negative uses the pod's own value, 0 deletes at once", DefaultValueFactory = _ => -1 };
    private static readonly Option<TimeSpan> Timeout = new("--timeout") { Description = "The length of time to wait before giving up per node, e.g. 5m; zero means infinite", CustomParser = Duration };
    private static readonly Option<string?> PodSelector = new("--pod-selector") { Description = "Label selector to filter pods on the node" };
    private static readonly Option<bool> DisableEviction = new("--disable-eviction") { Description = "Delete pods instead of evicting them. This bypasses PodDisruptionBudgets; use with caution" };
    private static readonly Option<TimeSpan> SkipWait = new("--skip-wait-for-delete-timeout") { Description = "Do not wait for pods whose deletionTimestamp is older than this many seconds", CustomParser = r => TimeSpan.FromSeconds(int.Parse(r.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture)) };
    private static readonly Option<int> ChunkSize = new("--chunk-size") { Description = "Return large lists in chunks rather than all at once; 0 disables", DefaultValueFactory = _ => DrainOptions.DefaultChunkSize };
    private static readonly Option<int> MaxConcurrentNodes = new("--max-concurrent-nodes") { Description = "Drain up to N nodes at once (budgets still bound every eviction)", DefaultValueFactory = _ => 1 };
    private static readonly Option<int> MaxPerZone = new("--max-per-zone") { Description = "At most N nodes at once per topology.kubernetes.io/zone (0: no bound)" };
    private static readonly Option<EvictionOrder> Order = new("--eviction-order") { Description = "parallel (all at once, as kubectl) or priority (lowest priority first, critical pods last)" };

    public static Command Create(CliContext context)
    {
        var command = new Command("drain") { Force, IgnoreDaemonSets, DeleteEmptyDir, GracePeriod, Timeout, PodSelector, DisableEviction, SkipWait, ChunkSize, MaxConcurrentNodes, MaxPerZone, Order }.Describe(
            "Drain nodes in preparation for maintenance, as kubectl drain does, naming what blocks it",
            """
            Cordons every selected node first, then evicts (or with --disable-eviction deletes) their pods with kubectl's
            filters, flags, lines and exit status. On top: a held eviction names its PodDisruptionBudget, why it blocks, the
            counts and the workload, once per change; retries wake when the budget allows again (by watch) and honour Retry-After;
            deletion is awaited by watch; --max-concurrent-nodes/--max-per-zone drain several nodes at once; -o json
            prints the whole result. --dry-run=client prints kubectl's lines and the predicted blockers (exit 3 when a
            budget or capacity would stop the drain). A failed node stays cordoned and its pending pods are listed.
            """,
            """
            pitcrew node drain worker-1 --ignore-daemonsets --delete-emptydir-data --timeout=5m
            pitcrew node drain -l node-role.kubernetes.io/worker= --ignore-daemonsets --max-concurrent-nodes 3 --max-per-zone 1
            pitcrew node drain worker-1 --ignore-daemonsets --dry-run=client
            """);
        return Selecting(command, context, async (target, cancellationToken) =>
        {
            var (parse, options, api, nodes) = target;
            var json = OutputFlag.Get(parse) != OutputFormat.Table;
            var stderr = context.Err.Profile.Out.Writer;
            var reporter = new KubectlLineReporter(json ? stderr : context.RawOut, stderr, live: context.ErrIsTerminal);
            var result = await new DrainRunner(api, context.Time, reporter).RunAsync(nodes, options, cancellationToken).ConfigureAwait(false);
            StructuredOutput.TryWrite(context, OutputFlag.Get(parse), result);
            if (!result.Succeeded)
            {
                return ExitCodes.Failed;
            }

            if (options.DryRun == DryRun.Client)
            {
                var forecast = await ForecastAsync(api, nodes, options, context, cancellationToken).ConfigureAwait(false);
                DrainPlanRenderer.Blockers(reporter, forecast);
                return forecast.CanProceed ? ExitCodes.Ok : ExitCodes.Blocked;
            }

            return ExitCodes.Ok;
        });
    }

    public static Command CreatePlan(CliContext context)
    {
        var command = new Command("drain-plan") { Force, IgnoreDaemonSets, DeleteEmptyDir, PodSelector, DisableEviction, SkipWait, ChunkSize }.Describe(
            "Show what a drain would do to each pod and what would stop it, without touching anything",
            """
            For each selected node: every pod's decision (evict, skip, block) with kubectl's reason and the flag that
            changes it. Across all selected nodes: budgets that allow no disruption now or ever, pods covered by several
            budgets, pods that need --force, --delete-emptydir-data or --ignore-daemonsets, and whether the other
            schedulable nodes have room for what is evicted. Exits 0 when the drain can go through, 3 when it would be blocked.
            """,
            """
            pitcrew node drain-plan worker-1 worker-2 --ignore-daemonsets
            pitcrew node drain-plan -l topology.kubernetes.io/zone=eu-1a --ignore-daemonsets --delete-emptydir-data -o json
            """);
        return Selecting(command, context, async (target, cancellationToken) =>
        {
            var forecast = await ForecastAsync(target.Api, target.Nodes, target.Options, context, cancellationToken).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(target.Parse), forecast))
            {
                DrainPlanRenderer.Render(context.RawOut, forecast);
            }

            return forecast.CanProceed ? ExitCodes.Ok : ExitCodes.Blocked;
        });
    }

    /// <summary>Adds the node selection flags and -o, and an action that runs on the bound options and the selected nodes.</summary>
    private static Command Selecting(Command command, CliContext context, Func<DrainTarget, CancellationToken, Task<int>> run)
    {
        NodeFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Bind(parse);
            var api = NodeFlags.Connect(parse, context);
            var nodes = await NodeFlags.ResolveAsync(parse, api, options.ChunkSize, cancellationToken).ConfigureAwait(false);
            return await run(new DrainTarget(parse, options, api, nodes), cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>What both drain commands act on: the parsed flags, the options they mean, the API and the selected nodes.</summary>
    private sealed record DrainTarget(ParseResult Parse, DrainOptions Options, INodeApi Api, IReadOnlyList<NodeFacts> Nodes);

    private static async Task<DrainForecastResult> ForecastAsync(INodeApi api, IReadOnlyList<NodeFacts> nodes, DrainOptions options, CliContext context, CancellationToken cancellationToken)
    {
        var all = await api.ListPodsAsync(null, null, options.ChunkSize, cancellationToken).ConfigureAwait(false);
        var allNodes = await api.ListNodesAsync(null, options.ChunkSize, cancellationToken).ConfigureAwait(false);
        var budgets = await api.ListBudgetsAsync(cancellationToken).ConfigureAwait(false);
        var selector = LabelSelectorText.Parse(options.PodSelector);
        var daemonSets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (ns, name) in all.Pods.Where(p => p.Controller is { Kind: "DaemonSet" }).Select(p => (p.Namespace, p.Controller!.Name)).Distinct())
        {
            if (await api.DaemonSetExistsAsync(ns, name, cancellationToken).ConfigureAwait(false))
            {
                daemonSets.Add($"{ns}/{name}");
            }
        }

        var plans = nodes.Select(n => DrainPlanner.Plan(n, [.. all.Pods.Where(p => p.NodeName == n.Name && selector(p.Labels))], daemonSets, options, context.Time.GetUtcNow())).ToList();
        return DrainForecast.Predict(plans, budgets.Budgets, allNodes, all.Pods, options);
    }

    private static TimeSpan Duration(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "0";
        if (text == "0")
        {
            return TimeSpan.Zero;
        }

        if (GoDuration.TryParse(text, out var duration))
        {
            return duration;
        }

        result.AddError($"invalid argument \"{text}\" for \"--timeout\" flag: time: missing unit in duration \"{text}\"");
        return TimeSpan.Zero;
    }

    private static DrainOptions Bind(ParseResult parse) => new()
    {
        Force = parse.GetValue(Force),
        IgnoreDaemonSets = parse.GetValue(IgnoreDaemonSets),
        DeleteEmptyDirData = parse.GetValue(DeleteEmptyDir),
        GracePeriodSeconds = parse.GetValue(GracePeriod),
        Timeout = parse.GetValue(Timeout),
        PodSelector = parse.GetValue(PodSelector),
        DisableEviction = parse.GetValue(DisableEviction),
        SkipWaitForDeleteTimeout = parse.GetValue(SkipWait),
        ChunkSize = parse.GetValue(ChunkSize),
        DryRun = parse.GetValue(NodeFlags.DryRunFlag),
        MaxConcurrentNodes = parse.GetValue(MaxConcurrentNodes),
        MaxPerZone = parse.GetValue(MaxPerZone),
        EvictionOrder = parse.GetValue(Order),
    };
}
