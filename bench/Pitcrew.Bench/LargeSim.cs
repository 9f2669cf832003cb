using System.Diagnostics;
using System.Globalization;
using Pitcrew.Sim;
using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Bench;

/// <summary>The large scenario for the scale benches: started detached in a directory, then waited for until every pod runs.</summary>
internal static class LargeSim
{
    /// <summary>pitcrew sim up --scenario large --workers N --detach; false, with the reason on stderr, when it fails.</summary>
    public static async Task<bool> UpAsync(string pitcrew, int workers, string dir, CancellationToken ct)
    {
        var up = await Measured.RunAsync(pitcrew, ["sim", "up", "--scenario", "large", "--workers", workers.ToString(CultureInfo.InvariantCulture), "--dir", dir, "--detach"], ct);
        if (up.ExitCode != 0)
        {
            Console.Error.WriteLine($"sim up failed ({up.ExitCode}): {up.Stderr}");
        }

        return up.ExitCode == 0;
    }

    /// <summary>
    /// Polls every 2 s until every app pod and every kube-proxy (one per node) is Running; false after the limit.
    /// <paramref name="sample"/> runs at each poll, and what it returns ends the progress line.
    /// </summary>
    public static async Task<bool> WaitAllRunningAsync(string dir, int workers, Stopwatch clock, TimeSpan limit, Func<string>? sample, CancellationToken ct)
    {
        var nodes = workers + 1;
        var expectedApps = workers * LargeScenario.ReplicasPerApp;
        using var client = SimClient.CreateHttpClient(dir, withCertificate: true);
        client.Timeout = TimeSpan.FromMinutes(2);
        while (true)
        {
            if (clock.Elapsed > limit)
            {
                Console.Error.WriteLine($"not all pods Running after {limit.TotalMinutes} minutes");
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(2), ct);
            var extra = sample?.Invoke() ?? string.Empty;
            var ready = await SimBench.ReadyAsync(client, ct);
            Console.Error.Write($"\r{clock.Elapsed.TotalSeconds,6:F1}s  ready: {ready.Apps,7:N0}/{expectedApps:N0} app pods, {ready.Proxies,5:N0}/{nodes:N0} kube-proxy {extra}");
            if (ready.Apps >= expectedApps && ready.Proxies >= nodes)
            {
                Console.Error.WriteLine();
                return true;
            }
        }
    }
}
