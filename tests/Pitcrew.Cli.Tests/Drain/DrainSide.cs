using System.Text.RegularExpressions;

namespace Pitcrew.Cli.Tests.Drain;

/// <summary>One half of a conformance run: a namespace and nodes of its own, drained by kubectl or by pitcrew.</summary>
internal sealed partial record DrainSide(string Namespace, string Node, string Spare)
{
    private const string RetryNoise = "will retry";

    public Dictionary<string, string> Roles { get; } = [];

    /// <summary>The key lines of an output with names replaced by roles, so kubectl's and pitcrew's runs compare.</summary>
    public SortedSet<string> KeyLines(string text)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // Lines about retries are where pitcrew deliberately says more than kubectl (the budget, once per change).
            // CoreDNS replicas land on whichever workers the scheduler picks, so one side may hold one and the other not.
            if (raw.Contains(RetryNoise, StringComparison.Ordinal) || raw.StartsWith("pod " + Namespace, StringComparison.Ordinal) || raw.Contains("coredns-", StringComparison.Ordinal))
            {
                continue;
            }

            var line = Normalize(raw);
            if (line.StartsWith("Warning: ", StringComparison.Ordinal))
            {
                foreach (var part in line["Warning: ".Length..].Split("; "))
                {
                    lines.Add("Warning: " + SortPods(part));
                }

                continue;
            }

            if (line.Contains("when an error occurred: [", StringComparison.Ordinal) || line.Contains("due to error: [error when", StringComparison.Ordinal))
            {
                // Several pod errors in one bracket: kubectl's order is that of its goroutines.
                var open = line.IndexOf('[', StringComparison.Ordinal);
                foreach (var part in line[(open + 1)..line.LastIndexOf(']')].Split(", error when ").Order(StringComparer.Ordinal))
                {
                    lines.Add(line[..open] + "[]: " + part.Replace("error when ", string.Empty, StringComparison.Ordinal));
                }

                continue;
            }

            var fragments = CannotDelete().Matches(line);
            if (fragments.Count > 0)
            {
                var kind = line.StartsWith("error: unable to drain", StringComparison.Ordinal) ? "unable to drain: " : string.Empty;
                foreach (Match fragment in fragments)
                {
                    lines.Add(kind + fragment.Groups["msg"].Value + ": " + string.Join(", ", fragment.Groups["pods"].Value.Split(", ").Order(StringComparer.Ordinal)));
                }

                continue;
            }

            lines.Add(line);
        }

        return lines;
    }

    public string Normalize(string line)
    {
        foreach (var (name, role) in Roles.OrderByDescending(r => r.Key.Length))
        {
            line = line.Replace(name, "pod:" + role, StringComparison.Ordinal);
        }

        line = KubeProxy().Replace(line, "kube-proxy-X");
        if (line == Node)
        {
            return "NODE";
        }

        return line.Replace(Namespace, "NS", StringComparison.Ordinal).Replace($"\"{Node}\"", "\"NODE\"", StringComparison.Ordinal)
            .Replace($"node/{Node} ", "node/NODE ", StringComparison.Ordinal).Replace(" " + Node, " NODE", StringComparison.Ordinal);
    }

    private static string SortPods(string part)
    {
        var colon = part.LastIndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? part : part[..colon] + ": " + string.Join(", ", part[(colon + 2)..].Split(", ").Order(StringComparer.Ordinal));
    }

    [GeneratedRegex(@"cannot delete (?<msg>(?:cannot delete )?[^:]+?): (?<pods>[\w.:-]+/[\w.:-]+(?:, [\w.:-]+/[\w.:-]+)*)")]
    private static partial Regex CannotDelete();

    [GeneratedRegex(@"kube-proxy-[a-z0-9]{5}")]
    private static partial Regex KubeProxy();
}
