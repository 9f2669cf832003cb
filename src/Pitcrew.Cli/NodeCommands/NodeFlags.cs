using Pitcrew.Cluster;
using Pitcrew.Nodes;

namespace Pitcrew.Cli.NodeCommands;

/// <summary>The flags every node command shares with kubectl: nodes by name or selector, cluster access, dry run.</summary>
internal static class NodeFlags
{
    public static readonly Argument<string[]> Nodes = new("NODE") { Description = "Node names", Arity = ArgumentArity.ZeroOrMore };

    public static readonly Option<string?> Selector = new("--selector", "-l") { Description = "Select nodes by label selector (e.g. -l node-role.kubernetes.io/worker=)" };

    public static readonly Option<string?> Kubeconfig = new("--kubeconfig") { Description = "Path to the kubeconfig file (default: KUBECONFIG, several files merged, then ~/.kube/config, then in-cluster)" };

    public static readonly Option<string?> Context = new("--context") { Description = "The kubeconfig context to use" };

    public static readonly Option<DryRun> DryRunFlag = new("--dry-run")
    {
        Description = "none, client (print what would happen) or server (send every change with dryRun=All)",
        DefaultValueFactory = _ => DryRun.None,
        CustomParser = r => r.Tokens.Count == 0 ? DryRun.Client : r.Tokens[0].Value switch
        {
            "none" or "false" => DryRun.None,
            "client" or "true" => DryRun.Client,
            "server" => DryRun.Server,
            var other => throw new PitcrewException($"Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\".", ExitCodes.Usage),
        },
        Arity = ArgumentArity.ZeroOrOne,
        HelpName = "none|client|server",
    };

    public static void AddTo(Command command)
    {
        command.Add(Nodes);
        command.Add(Selector);
        command.Add(Kubeconfig);
        command.Add(Context);
        command.Add(DryRunFlag);
    }

    public static INodeApi Connect(ParseResult parse, CliContext context) =>
        new KubeNodeApi(KubeAccess.Connect(new KubeAccessOptions(parse.GetValue(Kubeconfig), parse.GetValue(Context)), context.Environment));

    /// <summary>The nodes named or selected, as kubectl resolves them: exactly one of names or selector; a missing name fails before anything changes.</summary>
    public static async Task<IReadOnlyList<NodeFacts>> ResolveAsync(ParseResult parse, INodeApi api, int chunkSize, CancellationToken cancellationToken)
    {
        var names = parse.GetValue(Nodes) ?? [];
        var selector = parse.GetValue(Selector);
        if (names.Length > 0 && !string.IsNullOrEmpty(selector))
        {
            throw new PitcrewException("cannot specify both a node name and a --selector option", ExitCodes.Usage);
        }

        if (names.Length == 0 && string.IsNullOrEmpty(selector))
        {
            throw new PitcrewException("USAGE: give one or more node names or --selector", ExitCodes.Usage);
        }

        if (names.Length == 0)
        {
            var selected = await api.ListNodesAsync(selector, chunkSize, cancellationToken).ConfigureAwait(false);
            return selected.Count > 0 ? selected : throw new PitcrewException($"no nodes match the selector {selector}", ExitCodes.Failed);
        }

        var nodes = new List<NodeFacts>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            nodes.Add(await api.GetNodeAsync(name, cancellationToken).ConfigureAwait(false));
        }

        return nodes;
    }
}

/// <summary>
/// Writes kubectl's lines straight to the process's streams (never wrapped), one whole line at a time; on a terminal
/// (<paramref name="live"/>) also a progress line per node, at most once a second each.
/// </summary>
internal sealed class KubectlLineReporter(TextWriter stdout, TextWriter stderr, bool live = false) : IDrainReporter
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TimeSpan> _shown = [];

    public void Progress(DrainProgress progress)
    {
        lock (_gate)
        {
            var done = progress.Gone == progress.Total;
            if (!live || (!done && _shown.TryGetValue(progress.Node, out var last) && progress.Elapsed - last < ProgressInterval))
            {
                return;
            }

            _shown[progress.Node] = progress.Elapsed;
            stderr.WriteLine($"[node/{progress.Node}: {progress.Gone}/{progress.Total} pods gone, {progress.Elapsed.TotalSeconds:0}s{(progress.Waiting is null ? string.Empty : ", " + progress.Waiting)}]");
            stderr.Flush();
        }
    }

    public void Out(string line)
    {
        lock (_gate)
        {
            stdout.WriteLine(line);
            stdout.Flush();
        }
    }

    public void Err(string line)
    {
        lock (_gate)
        {
            stderr.WriteLine(line);
            stderr.Flush();
        }
    }
}
