using Pitcrew.Nodes;

namespace Pitcrew.Cli.NodeCommands;

/// <summary>pitcrew node cordon | uncordon.</summary>
internal static class CordonCommands
{
    private static readonly Option<bool> OnlyOurs = CliFlag.Of<bool>("--only-ours",
        "Uncordon only nodes that pitcrew cordoned (annotation pitcrew.dev/cordoned-at); leave nodes cordoned by others");

    public static Command Cordon(CliContext context)
    {
        var command = new Command("cordon").Describe(
            "Mark nodes as unschedulable",
            """
            Sets spec.unschedulable as kubectl cordon does (nothing is sent for a node already cordoned) and marks the
            node with the annotation pitcrew.dev/cordoned-at, so `pitcrew node uncordon --only-ours` never returns a node
            someone else cordoned for another reason.
            """,
            """
            pitcrew node cordon worker-1
            pitcrew node cordon -l topology.kubernetes.io/zone=eu-1a --dry-run=server
            """);
        NodeFlags.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(context, parse, cordon: true, ct));
        return command;
    }

    public static Command Uncordon(CliContext context)
    {
        var command = new Command("uncordon") { OnlyOurs }.Describe(
            "Mark nodes as schedulable",
            "Clears spec.unschedulable (and Pitcrew's cordon mark). With --only-ours, nodes cordoned by someone else stay cordoned.",
            """
            pitcrew node uncordon worker-1
            pitcrew node uncordon -l node-role.kubernetes.io/worker= --only-ours
            """);
        NodeFlags.AddTo(command);
        command.SetAction((parse, ct) => RunAsync(context, parse, cordon: false, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, bool cordon, CancellationToken cancellationToken)
    {
        var api = NodeFlags.Connect(parse, context);
        var nodes = await NodeFlags.ResolveAsync(parse, api, DrainOptions.DefaultChunkSize, cancellationToken).ConfigureAwait(false);
        var reporter = new KubectlLineReporter(context.RawOut, context.Err.Profile.Out.Writer);
        var cordoner = new Cordoner(api, context.Time, reporter);
        foreach (var node in nodes)
        {
            await cordoner.CordonAsync(node, cordon, parse.GetValue(NodeFlags.DryRunFlag), !cordon && parse.GetValue(OnlyOurs), cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
