using System.Globalization;
using Pitcrew.Etcd;
using Spectre.Console;

namespace Pitcrew.Cli.EtcdCommands;

/// <summary>Table renderings of endpoint status and health, with etcdctl's columns.</summary>
internal static class EndpointRenderer
{
    public static void Status(IAnsiConsole console, IReadOnlyList<EndpointStatus> statuses)
    {
        var table = new Table().Border(TableBorder.Ascii);
        table.AddColumns("ENDPOINT", "ID", "VERSION", "DB SIZE", "DB SIZE IN USE", "IS LEADER", "IS LEARNER", "RAFT TERM", "RAFT INDEX",
            "RAFT APPLIED INDEX", "ERRORS");
        foreach (var s in statuses)
        {
            if (!s.Reachable)
            {
                table.AddRow(Markup.Escape(s.Endpoint), "-", "-", "-", "-", "-", "-", "-", "-", "-", Markup.Escape("unreachable: " + s.Failure));
                continue;
            }

            var errors = s.Errors.Concat(s.Alarms).ToList();
            table.AddRow(
                Markup.Escape(s.Endpoint),
                s.MemberId.ToString("x", CultureInfo.InvariantCulture),
                Markup.Escape(s.Version),
                HumanBytes.Si(s.DbSize),
                HumanBytes.Si(s.DbSizeInUse),
                Bool(s.IsLeader),
                Bool(s.IsLearner),
                N(s.RaftTerm),
                N(s.RaftIndex),
                N(s.RaftAppliedIndex),
                Markup.Escape(string.Join(", ", errors)));
        }

        console.Write(table);
    }

    public static void Health(IAnsiConsole console, IReadOnlyList<EndpointHealth> health)
    {
        var table = new Table().Border(TableBorder.Ascii);
        table.AddColumns("ENDPOINT", "HEALTH", "TOOK", "ERROR");
        foreach (var h in health)
        {
            table.AddRow(
                Markup.Escape(h.Endpoint),
                Bool(h.Healthy),
                GoDuration.Format(h.Took),
                Markup.Escape(h.Error ?? string.Empty));
        }

        console.Write(table);
    }

    /// <summary>etcdctl's simple status: endpoint, ID, version, DB size, leader, learner, term, index, applied index, errors.</summary>
    public static void StatusLines(TextWriter output, IReadOnlyList<EndpointStatus> statuses)
    {
        foreach (var s in statuses.Where(s => s.Reachable))
        {
            output.WriteLine(string.Join(", ",
                s.Endpoint, s.MemberId.ToString("x", CultureInfo.InvariantCulture), s.Version, HumanBytes.Si(s.DbSize), Bool(s.IsLeader), Bool(s.IsLearner),
                N(s.RaftTerm), N(s.RaftIndex), N(s.RaftAppliedIndex), string.Join(", ", s.Errors.Concat(s.Alarms))));
        }
    }

    /// <summary>etcdctl's simple health: one sentence per endpoint.</summary>
    public static void HealthLines(TextWriter output, IReadOnlyList<EndpointHealth> health)
    {
        foreach (var h in health)
        {
            output.WriteLine(h.Healthy
                ? $"{h.Endpoint} is healthy: successfully committed proposal: took = {GoDuration.Format(h.Took)}"
                : $"{h.Endpoint} is unhealthy: failed to commit proposal: {h.Error}");
        }
    }

    private static string Bool(bool value) => value ? "true" : "false";

    private static string N(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
