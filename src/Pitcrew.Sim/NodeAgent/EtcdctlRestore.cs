using System.Diagnostics;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// etcdctl snapshot restore on a simulated node: the real etcdctl binary, run with its own flags and the node's paths
/// (snapshot file, --data-dir, --wal-dir) mapped onto the sim's disk, so a runbook that names etcd's own tool is
/// checked against that tool and not against Pitcrew's restorer.
/// </summary>
internal static class EtcdctlRestore
{
    public const string Binary = "/usr/bin/etcdctl";
    private static readonly HashSet<string> PathFlags = new(StringComparer.Ordinal) { "--data-dir", "--wal-dir" };
    private static readonly HashSet<string> ValueFlags = new(StringComparer.Ordinal)
    {
        "--data-dir", "--wal-dir", "--name", "--initial-cluster", "--initial-cluster-token", "--initial-advertise-peer-urls",
    };

    public static async Task<int> RunAsync(AgentCall call, SimEtcdHost host, CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            return call.Fail(127, "sh: 1: etcdctl: not found");
        }

        var start = new ProcessStartInfo(Binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.Environment["ETCDCTL_API"] = "3";
        var sawFile = false;
        for (var i = 1; i < call.Words.Count; i++)
        {
            var word = call.Words[i];
            if (word.Split('=', 2) is [var flag, var value] && flag.StartsWith("--", StringComparison.Ordinal))
            {
                start.ArgumentList.Add($"{flag}={(PathFlags.Contains(flag) ? host.Map(call.Node, value) : value)}");
            }
            else if (ValueFlags.Contains(word) && i + 1 < call.Words.Count)
            {
                start.ArgumentList.Add(word);
                start.ArgumentList.Add(PathFlags.Contains(word) ? host.Map(call.Node, call.Words[++i]) : call.Words[++i]);
            }
            else if (!word.StartsWith('-') && i > 2 && !sawFile)
            {
                sawFile = true;
                start.ArgumentList.Add(host.MapFile(call.Node, word));
            }
            else
            {
                start.ArgumentList.Add(word);
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Binary}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var line in Lines(await stdout.ConfigureAwait(false)))
        {
            call.Out(line);
        }

        foreach (var line in Lines(await stderr.ConfigureAwait(false)))
        {
            call.Err(line);
        }

        return process.ExitCode;
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'));
}
