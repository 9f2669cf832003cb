using System.Globalization;
using Pitcrew.Etcd;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd compact [REV] [--physical] [--dry-run]: etcdctl's compact with the plan printed first.</summary>
internal static class CompactCommand
{
    private static readonly Argument<string?> Revision = new("REV")
    {
        Description = "Drop the history before this revision (default: the current revision)",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static readonly Option<bool> Physical = CliFlag.Of<bool>("--physical", "Return only once every member has removed the compacted history from its file");
    private static readonly Option<bool> DryRun = CliFlag.Of<bool>("--dry-run", "Print the plan; compact nothing");

    public static Command Create(CliContext context)
    {
        var command = new Command("compact")
        {
            Revision,
            Physical,
            DryRun,
        }.Describe(
            "Compact etcd's history to a revision, as etcdctl compact does, with the plan first",
            """
            Prints the plan on stderr (the target against the current revision, what stops being readable), then compacts
            and prints etcdctl's "compacted revision N". Without REV the current revision is the target: the first step of the
            NOSPACE runbook (compact, then pitcrew etcd defrag --cluster, then pitcrew etcd alarm disarm). A revision
            beyond the current one is exit 2; one already compacted is exit 1; exit 5 when no endpoint answers.
            """,
            """
            pitcrew etcd compact --dry-run
            pitcrew etcd compact 123456 --endpoints=https://10.0.0.1:2379 --cacert ca.crt --cert client.crt --key client.key
            pitcrew etcd compact && pitcrew etcd defrag --cluster && pitcrew etcd alarm disarm
            """);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = EtcdConnectionFlags.Bind(parse, context.Environment);
            var plan = await EtcdCompaction.PlanAsync(options, ParseRevision(parse.GetValue(Revision)), cancellationToken).ConfigureAwait(false);
            var dryRun = parse.GetValue(DryRun);
            if (dryRun)
            {
                await context.RawOut.WriteAsync(string.Concat(plan.Lines().Select(line => line + "\n"))).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            foreach (var line in plan.Lines())
            {
                context.Err.WriteLine(line, Style.Plain);
            }

            await EtcdCompaction.RunAsync(options, plan, parse.GetValue(Physical), cancellationToken).ConfigureAwait(false);
            await context.RawOut.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"compacted revision {plan.Target}\n")).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static long? ParseRevision(string? text) => text is null ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) && revision > 0 ? revision
        : throw new PitcrewException($"REV must be a positive revision number, not \"{text}\"", ExitCodes.Usage);
}
