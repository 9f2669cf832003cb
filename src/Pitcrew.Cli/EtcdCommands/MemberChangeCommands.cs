using System.Globalization;
using Pitcrew.Etcd;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>pitcrew etcd member add | remove | promote, as etcdctl spells and prints them; remove is refused when it would lose the quorum.</summary>
internal static class MemberChangeCommands
{
    private static readonly Option<string?> PeerUrls = CliFlag.Of<string?>("--peer-urls", "The new member's peer URLs, comma-separated", "URL[,URL]");
    private static readonly Option<bool> Learner = CliFlag.Of<bool>("--learner", "Add it as a learner (no vote until promoted)");
    private static readonly Option<bool> Force = CliFlag.Of<bool>("--force", "Remove the member even when the healthy voters left are not a quorum");

    /// <summary>The cluster ID and member ID of a remove or promote, for -w json.</summary>
    internal sealed record MemberChanged(string Id, string ClusterId);

    public static Command Add(CliContext context)
    {
        var name = CliFlag.Argument("NAME", "The new member's name (kubeadm names a stacked member after its node)");
        var command = new Command("add") { name, PeerUrls, Learner }.Describe(
            "Add a member (or a learner) to the cluster; prints how to start it",
            """
            etcd lists the new member as unstarted until it starts with the printed variables: the full ETCD_INITIAL_CLUSTER
            and ETCD_INITIAL_CLUSTER_STATE="existing" on an empty data dir. A learner follows the log without a vote; promote
            it once it caught up. Exits 5 when no endpoint answers.
            """,
            """
            pitcrew etcd member add cp-2 --peer-urls=https://10.0.0.12:2380 --learner
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var urls = (parse.GetValue(PeerUrls) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (urls.Length == 0)
            {
                throw new PitcrewException("member peer urls not provided: pass --peer-urls=URL[,URL]", ExitCodes.Usage);
            }

            var added = await EtcdEndpoints.MemberAddAsync(EtcdConnectionFlags.Bind(parse, context.Environment), parse.GetValue(name)!, urls,
                parse.GetValue(Learner), cancellationToken).ConfigureAwait(false);
            if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), added))
            {
                Lines(context.RawOut, added.EtcdctlLines());
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Remove(CliContext context)
    {
        var id = CliFlag.Argument("ID", "The member's ID in hex, as member list prints it");
        var command = new Command("remove") { id, Force }.Describe(
            "Remove a member from the cluster; refused when the healthy voters left would not be a quorum",
            """
            Reads every member's status first: when the voting members left after the removal have fewer healthy ones than
            a quorum (removing the last healthy member, or a healthy member while another is down in three), the removal is
            refused (exit 3) unless --force. A learner does not count. Exits 5 when no endpoint answers.
            """,
            """
            pitcrew etcd member remove 8e9e05c52164694d
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var member = ParseId(parse.GetValue(id)!);
            var options = EtcdConnectionFlags.Bind(parse, context.Environment);
            var check = MemberRemoval.Check(await EtcdEndpoints.MembersAsync(options, cancellationToken).ConfigureAwait(false), member);
            if (!check.Allowed && !parse.GetValue(Force))
            {
                context.Err.WriteLine($"error: {check.Reason}; {check.Hint}", Style.Plain);
                return ExitCodes.Blocked;
            }

            var cluster = await EtcdEndpoints.MemberRemoveAsync(options, member, cancellationToken).ConfigureAwait(false);
            Changed(context, parse, member, cluster, "removed from");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Promote(CliContext context)
    {
        var id = CliFlag.Argument("ID", "The learner's ID in hex, as member list prints it");
        var command = new Command("promote") { id }.Describe(
            "Promote a learner to a voting member",
            """
            etcd promotes only a learner that caught up with the leader; until then it is refused with that reason (exit 3):
            wait, then promote again. Exits 5 when no endpoint answers.
            """,
            """
            pitcrew etcd member promote 8e9e05c52164694d
            """);
        command.Outputs(OutputFlag.Etcdctl);
        EtcdConnectionFlags.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var member = ParseId(parse.GetValue(id)!);
            var cluster = await EtcdEndpoints.MemberPromoteAsync(EtcdConnectionFlags.Bind(parse, context.Environment), member, cancellationToken).ConfigureAwait(false);
            Changed(context, parse, member, cluster, "promoted in");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A member ID as etcdctl takes it: hex, 64 bits.</summary>
    public static ulong ParseId(string text) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new PitcrewException($"bad member ID arg (\"{text}\"), expecting ID in Hex", ExitCodes.Usage);

    private static void Changed(CliContext context, ParseResult parse, ulong member, ulong cluster, string what)
    {
        var changed = new MemberChanged(member.ToString("x", CultureInfo.InvariantCulture), cluster.ToString("x", CultureInfo.InvariantCulture));
        if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), changed))
        {
            // etcdctl 3.4 pads both IDs to 16 characters (%16x), as for member add.
            context.RawOut.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Member {member,16:x} {what} cluster {cluster,16:x}"));
        }
    }

    private static void Lines(TextWriter output, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
