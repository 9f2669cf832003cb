using System.Globalization;
using Pitcrew.Cluster;
using Pitcrew.Etcd;
using Pitcrew.Upgrade.Apply;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd defrag [--cluster] [--rule EXPR] [--dry-run]: etcdctl's defrag, one member at a time, followers first, leader last.</summary>
internal static class DefragCommand
{
    private static readonly Option<bool> Cluster = CliFlag.Of<bool>("--cluster", "Every member from the member list, not just --endpoints");
    private static readonly Option<bool> DryRun = CliFlag.Of<bool>("--dry-run", "Print the order and what the rule decides; defragment nothing");
    private static readonly Option<string?> Rule = new("--rule", "--defrag-rule")
    {
        Description = "Defragment a member only when this is true: dbSize, dbSizeInUse, dbQuota (bytes), dbQuotaUsage (0..1); + - * / % == != < <= > >= && || ! ( )",
        HelpName = "EXPR",
    };

    private static readonly Option<long> Quota = CliFlag.Of<long>("--etcd-storage-quota-bytes", "The members' --quota-backend-bytes, which dbQuota stands for", "BYTES")
        .Default(DefragPlanner.DefaultQuotaBytes);

    private static readonly TimeSpan HealthyWithin = TimeSpan.FromMinutes(2);

    public static Command Create(CliContext context)
    {
        var command = new Command("defrag")
        {
            Cluster,
            Rule,
            Quota,
            DryRun,
            NodeCommands.NodeFlags.Kubeconfig,
            NodeCommands.NodeFlags.Context,
        }.Describe(
            "Defragment members one at a time: followers first, the leader last, each once the cluster is healthy again",
            """
            A member blocks reads and writes while it rewrites its file, so members go one at a time, and before each one
            every member must answer a linearizable read (an active NOSPACE alarm aside: defragmenting is how it clears).
            The leader goes last. By default a member whose free space is under 10% of its file and under 100 MB is skipped
            (the rule "dbSize - dbSizeInUse >= 100*1000*1000 || dbSize - dbSizeInUse >= dbSize/10"); --rule gives another,
            spelled as etcd-defrag's --defrag-rule. With --kubeconfig the cluster's maintenance lock (the Lease upgrade and
            restore take) is held for the run, so a defrag never runs beside an upgrade or a restore. Refused (exit 3) when a
            member does not answer or the lock is held; a rule that does not parse is exit 2; exit 5 when the cluster does
            not become healthy again within 2 minutes.
            """,
            """
            pitcrew etcd defrag --cluster --dry-run
            pitcrew etcd defrag --cluster --rule 'dbQuotaUsage > 0.8 || dbSize - dbSizeInUse > 200*1024*1024'
            pitcrew etcd defrag --cluster --endpoints=https://10.0.0.1:2379 --cacert ca.crt --cert client.crt --key client.key --kubeconfig admin.conf
            """);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = EtcdConnectionFlags.Bind(parse, context.Environment);
            var rule = parse.GetValue(Rule) is { } text ? DefragRule.Parse(text) : DefragRule.Default;
            var quota = parse.GetValue(Quota);
            if (quota <= 0)
            {
                throw new PitcrewException($"--etcd-storage-quota-bytes must be positive, not {quota}", ExitCodes.Usage);
            }

            var statuses = await EtcdEndpoints.StatusAsync(options, parse.GetValue(Cluster), cancellationToken).ConfigureAwait(false);
            var (steps, problems) = DefragPlanner.Plan(statuses, rule, quota);
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

            await using var held = await LockAsync(parse, context, steps, cancellationToken).ConfigureAwait(false);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, held?.Lost ?? CancellationToken.None);
            await DefragRunner.RunAsync(options, steps, HealthyWithin, context.Time, outcome => context.RawOut.WriteLine(outcome.Defragmented
                ? $"Finished defragmenting etcd member[{outcome.Endpoint}] (db {HumanBytes.Si(outcome.DbSizeBefore)} -> {HumanBytes.Si(outcome.DbSizeAfter)})"
                : $"Skipped etcd member[{outcome.Endpoint}]: {outcome.Skipped}"), stop.Token).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The cluster's maintenance lock for the run, when --kubeconfig names the cluster; null otherwise or when nothing is to be done.</summary>
    private static async Task<MaintenanceLock?> LockAsync(ParseResult parse, CliContext context, IReadOnlyList<DefragStep> steps, CancellationToken cancellationToken)
    {
        if (parse.GetValue(NodeCommands.NodeFlags.Kubeconfig) is not { } kubeconfig || !steps.Any(s => s.Worth))
        {
            return null;
        }

        var client = KubeAccess.Connect(new KubeAccessOptions(kubeconfig, parse.GetValue(NodeCommands.NodeFlags.Context)), context.Environment);
        var run = context.Time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
        return await MaintenanceLock.AcquireAsync(client, LockHolder.Here("defrag", run), $"etcd defrag of {steps.Count(s => s.Worth)} member(s)",
            MaintenanceLock.DefaultTtl, takeOver: false, context.Time, message => context.Err.WriteLine(message, Style.Plain), cancellationToken).ConfigureAwait(false);
    }
}
