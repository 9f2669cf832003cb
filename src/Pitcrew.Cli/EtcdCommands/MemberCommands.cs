using System.Globalization;
using Pitcrew.Etcd;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd member list (add, remove and promote beside it), and etcd alarm list | disarm, as etcdctl spells and prints them.</summary>
internal static class MemberCommands
{
    public static Command Create(CliContext context) => CliFlag.Group("member", "etcd's cluster members: list, add, remove, promote, replace a lost member",
        List(context), MemberChangeCommands.Add(context), MemberChangeCommands.Remove(context), MemberChangeCommands.Promote(context), MemberReplaceCommand.Create(context));

    public static Command Alarm(CliContext context) => CliFlag.Group("alarm", "etcd's active alarms (NOSPACE, CORRUPT)", AlarmList(context), Disarm(context));

    private static Command List(CliContext context)
    {
        var command = new Command("list").Describe(
            "The members: ID, status, name, peer and client URLs, learner",
            """
            Read from the first endpoint that answers (kubeadm names a stacked member after its control-plane node); a member
            added but not yet started is "unstarted" with no name. Exits 5 when no endpoint answers.
            """,
            """
            pitcrew etcd member list --endpoints=https://10.0.0.1:2379 --cacert ca.crt --cert client.crt --key client.key
            pitcrew etcd member list -w table
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var members = await EtcdEndpoints.MemberListAsync(EtcdConnectionFlags.Bind(parse, context.Environment), cancellationToken).ConfigureAwait(false);
            var format = OutputFlag.Get(parse);
            if (format == OutputFormat.Simple)
            {
                Lines(context.RawOut, members.Select(m => string.Join(", ", Cells(m))));
            }
            else if (!StructuredOutput.TryWrite(context, format, members))
            {
                var table = new Table().Border(TableBorder.Ascii);
                table.AddColumns("ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER");
                foreach (var m in members)
                {
                    table.AddRow([.. Cells(m).Select(Markup.Escape)]);
                }

                context.Out.Write(table);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command AlarmList(CliContext context)
    {
        var command = new Command("list").Describe(
            "The active alarms, one per line: memberID:ID alarm:TYPE",
            """
            Prints nothing when no alarm is raised. Exits 5 when no endpoint answers.
            """,
            """
            pitcrew etcd alarm list --endpoints=https://10.0.0.1:2379 --cacert ca.crt --cert client.crt --key client.key
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var alarms = await EtcdEndpoints.AlarmsAsync(EtcdConnectionFlags.Bind(parse, context.Environment), cancellationToken).ConfigureAwait(false);
            Write(context, parse, alarms);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Disarm(CliContext context)
    {
        var command = new Command("disarm").Describe(
            "Disarm every active alarm; prints those disarmed",
            """
            A NOSPACE alarm comes back at once unless space was freed first: compact the history and defragment every member
            (pitcrew etcd compact; pitcrew etcd defrag --cluster), then disarm. Exits 5 when no endpoint answers.
            """,
            """
            pitcrew etcd alarm disarm --endpoints=https://10.0.0.1:2379 --cacert ca.crt --cert client.crt --key client.key
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var disarmed = await EtcdEndpoints.DisarmAsync(EtcdConnectionFlags.Bind(parse, context.Environment), cancellationToken).ConfigureAwait(false);
            Write(context, parse, disarmed);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(CliContext context, ParseResult parse, IReadOnlyList<EtcdAlarm> alarms)
    {
        var format = OutputFlag.Get(parse);
        if (format is OutputFormat.Simple or OutputFormat.Table)
        {
            Lines(context.RawOut, alarms.Select(a => a.ToString()));
        }
        else
        {
            StructuredOutput.TryWrite(context, format, alarms);
        }
    }

    private static void Lines(TextWriter output, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }

    private static string[] Cells(EtcdMemberInfo m) =>
        [m.Id.ToString("x", CultureInfo.InvariantCulture), m.Status, m.Name, string.Join(",", m.PeerUrls), string.Join(",", m.ClientUrls), m.IsLearner ? "true" : "false"];
}
