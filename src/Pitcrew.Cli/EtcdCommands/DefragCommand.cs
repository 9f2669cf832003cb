using System.Globalization;
using Pitcrew.Etcd;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd defrag [--cluster] [--dry-run]: etcdctl's defrag, one member at a time, followers first, leader last.</summary>
internal static class DefragCommand
{
    private static readonly Option<bool> Cluster = CliFlag.Of<bool>("--cluster", "Every member from the member list, not just --endpoints");
    private static readonly Option<bool> DryRun = CliFlag.Of<bool>("--dry-run", "Print the order and what the rule decides; defragment nothing");
    private static readonly TimeSpan HealthyWithin = TimeSpan.FromMinutes(2);

    public static Command Create(CliContext context)
    {
        var command = new Command("defrag")
        {
            Cluster,
            DryRun,
        }.Describe(
            "Defragment members one at a time: followers first, the leader last, each once the cluster is healthy again",
            """
            A member blocks reads and writes while it rewrites its file, so members go one at a time, and before each one
            every member must answer a linearizable read (an active NOSPACE alarm aside: defragmenting is how it clears).
            The leader goes last. A member whose free space is under 10% of its file and under 100 MB is skipped. Refused
            (exit 3) when a member does not answer; exit 5 when the cluster does not become healthy again within 2 minutes.
            """,
            """
            pitcrew etcd defrag --cluster --dry-run
            pitcrew etcd defrag --cluster --endpoints=https://10.0.0.1:2379 --cacert ca.crt --cert client.crt --key client.key
            """);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = EtcdConnectionFlags.Bind(parse, context.Environment);
            var statuses = await EtcdEndpoints.StatusAsync(options, parse.GetValue(Cluster), cancellationToken).ConfigureAwait(false);
            var (steps, problems) = DefragPlanner.Plan(statuses);
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    context.Err.WriteLine("error: " + problem, Style.Plain);
                }

                return ExitCodes.Blocked;
            }

            if (parse.GetValue(DryRun))
            {
                await context.RawOut.WriteAsync(string.Concat(steps.Select((step, i) => string.Create(CultureInfo.InvariantCulture,
                    $"{i + 1}. {(step.Worth ? "defragment" : "skip")} etcd member[{step.Endpoint}]{(step.IsLeader ? " (leader)" : string.Empty)}: {step.Reason}\n"))))
                    .ConfigureAwait(false);

                return ExitCodes.Ok;
            }

            await DefragRunner.RunAsync(options, steps, HealthyWithin, context.Time, outcome => context.RawOut.WriteLine(outcome.Defragmented
                ? $"Finished defragmenting etcd member[{outcome.Endpoint}] (db {HumanBytes.Si(outcome.DbSizeBefore)} -> {HumanBytes.Si(outcome.DbSizeAfter)})"
                : $"Skipped etcd member[{outcome.Endpoint}]: {outcome.Skipped}"), cancellationToken).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
