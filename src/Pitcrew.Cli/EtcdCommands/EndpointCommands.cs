using Spectre.Console;
using Pitcrew.Etcd;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd endpoint status | health.</summary>
internal static class EndpointCommands
{
    private static readonly Option<bool> Cluster = CliFlag.Of<bool>("--cluster", "Use every member's client URLs from the member list, not just --endpoints");

    public static Command Create(CliContext context) => CliFlag.Group("endpoint", "Status and health of etcd endpoints", Status(context), Health(context));

    private static Command Status(CliContext context)
    {
        var command = new Command("status")
        {
            Cluster,
        }.Describe(
            "Per endpoint: member ID, version, DB size, leader, raft term and index, errors and alarms",
            """
            Exits 5 when an endpoint does not answer; the others are still shown.
            """,
            """
            pitcrew etcd endpoint status --endpoints=http://10.0.0.1:2379,http://10.0.0.2:2379
            pitcrew etcd endpoint status --cluster -o json
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = EtcdConnectionFlags.Bind(parse, context.Environment);
            var statuses = await EtcdEndpoints.StatusAsync(options, parse.GetValue(Cluster), cancellationToken).ConfigureAwait(false);
            var format = OutputFlag.Get(parse);
            if (format == OutputFormat.Simple)
            {
                EndpointRenderer.StatusLines(context.RawOut, statuses);
            }
            else if (!StructuredOutput.TryWrite(context, format, statuses))
            {
                EndpointRenderer.Status(context.Out, statuses);
            }

            foreach (var failed in statuses.Where(s => !s.Reachable))
            {
                context.Err.WriteLine($"Failed to get the status of endpoint {failed.Endpoint} ({failed.Failure})");
            }

            return statuses.All(s => s.Reachable) ? ExitCodes.Ok : ExitCodes.Unavailable;
        });
        return command;
    }

    private static Command Health(CliContext context)
    {
        var command = new Command("health")
        {
            Cluster,
        }.Describe(
            "Whether each endpoint commits a linearizable read in time, with its latency",
            """
            An endpoint with an active alarm (NOSPACE, CORRUPT) is unhealthy too. Exits 5 when any endpoint is unhealthy.
            """,
            """
            pitcrew etcd endpoint health --cluster
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = EtcdConnectionFlags.Bind(parse, context.Environment);
            var health = await EtcdEndpoints.HealthAsync(options, parse.GetValue(Cluster), context.Time, cancellationToken).ConfigureAwait(false);
            var format = OutputFlag.Get(parse);
            if (format == OutputFormat.Simple)
            {
                EndpointRenderer.HealthLines(context.RawOut, health);
            }
            else if (!StructuredOutput.TryWrite(context, format, health))
            {
                EndpointRenderer.Health(context.Out, health);
            }

            if (health.Any(h => !h.Healthy))
            {
                context.Err.WriteLine("Error: unhealthy cluster");
                return ExitCodes.Unavailable;
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
