using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Pitcrew.Sim;
using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Bench;

/// <summary>
/// The simulator at scale: starts <c>pitcrew sim up --scenario large --workers N</c> (N + 1 nodes, about 30 pods per
/// node), times the way to every pod Running, then measures the sim process at rest (CPU over a minute, RSS, peak RSS)
/// and the real kubectl listing every pod: as it pages by default (500 per request, under its client-side rate limit)
/// and in one request (--chunk-size=0), with the ratio of the two (the same rows either way, or the run fails).
/// Everything it starts is stopped at the end.
/// </summary>
internal static class SimBench
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan SteadyWindow = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string pitcrew, int workers, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-simbench-").FullName;
        var nodes = workers + 1;
        var expectedApps = workers * LargeScenario.ReplicasPerApp;
        Console.WriteLine($"scenario large: {nodes:N0} nodes, {expectedApps + nodes + 6:N0} pods expected (dir {dir})");
        var clock = Stopwatch.StartNew();
        try
        {
            if (!await LargeSim.UpAsync(pitcrew, workers, dir, ct))
            {
                return 1;
            }

            var pid = SimState.Read(dir).Pid;
            var api = clock.Elapsed;
            if (!await LargeSim.WaitAllRunningAsync(dir, workers, clock, ReadyLimit, () => $" RSS {Proc(pid, "VmRSS") / 1024,5:N0} MB ", ct))
            {
                return 1;
            }

            var allRunning = clock.Elapsed;
            using var client = SimClient.CreateHttpClient(dir, withCertificate: true);
            client.Timeout = TimeSpan.FromMinutes(2);
            var notRunning = await CountAsync(client, "status.phase!=Running", ct);
            var total = await CountAsync(client, null, ct);

            // At rest: node leases renewed every 10 s, controllers on their tick.
            var cpuBefore = CpuSeconds(pid);
            var window = Stopwatch.StartNew();
            await Task.Delay(SteadyWindow, ct);
            var cores = (CpuSeconds(pid) - cpuBefore) / window.Elapsed.TotalSeconds;
            var restRss = Proc(pid, "VmRSS");

            var cache = Path.Combine(dir, "kube-cache");
            var paged = new List<Measured>();
            var whole = new List<Measured>();
            for (var round = 0; round < 2; round++)
            {
                paged.Add(await Measured.RunAsync("kubectl", ["--kubeconfig", Path.Combine(dir, "kubeconfig"), "--cache-dir", cache, "get", "pods", "-A"], ct));
                whole.Add(await Measured.RunAsync("kubectl", ["--kubeconfig", Path.Combine(dir, "kubeconfig"), "--cache-dir", cache, "get", "pods", "-A", "--chunk-size=0"], ct));
            }

            var rows = paged[^1].Stdout.Count(c => c == '\n') - 1;
            var wholeRows = whole[^1].Stdout.Count(c => c == '\n') - 1;
            var (pagedSeconds, wholeSeconds) = (paged.Min(m => m.Wall.TotalSeconds), whole.Min(m => m.Wall.TotalSeconds));
            var peak = Proc(pid, "VmHWM");
            Console.WriteLine($"nodes                                  {nodes,10:N0}");
            Console.WriteLine($"pods (Running / not Running)           {total - notRunning,10:N0} / {notRunning:N0}");
            Console.WriteLine($"API serving after                      {api.TotalSeconds,10:F1} s");
            Console.WriteLine($"every pod Running after                {allRunning.TotalSeconds,10:F1} s   (target < 120 s for 1,000 nodes)");
            Console.WriteLine($"sim CPU at rest (60 s window)          {cores,10:F2} cores (target < 1)");
            Console.WriteLine($"sim RSS at rest / peak                 {restRss / 1024,10:N0} MB / {peak / 1024:N0} MB (target < 2,048 MB)");
            Console.WriteLine($"kubectl get pods -A (pages of 500)     {pagedSeconds,10:F2} s   ({rows:N0} rows, exit {paged[^1].ExitCode}; kubectl's client-side limit of 5 requests/s paces the pages)");
            Console.WriteLine($"kubectl get pods -A --chunk-size=0     {wholeSeconds,10:F2} s   ({wholeRows:N0} rows, exit {whole[^1].ExitCode})");
            Console.WriteLine($"whole list / paged                     {wholeSeconds / pagedSeconds,10:F2}     (target <= 0.5)");
            Console.WriteLine($"kubectl peak RSS                       {paged.Max(m => m.PeakRssKb) / 1024,10:N0} MB");
            return paged.Concat(whole).All(m => m.ExitCode == 0) && notRunning == 0 && wholeRows == rows ? 0 : 1;
        }
        finally
        {
            var down = await Measured.RunAsync(pitcrew, ["sim", "down", "--dir", dir], CancellationToken.None);
            if (down.ExitCode != 0)
            {
                Console.Error.WriteLine($"sim down: {down.Stderr}");
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    internal static async Task<(long Apps, long Proxies)> ReadyAsync(HttpClient client, CancellationToken ct)
    {
        try
        {
            var deployments = await client.GetFromJsonAsync<JsonObject>("/apis/apps/v1/deployments", ct);
            var apps = deployments!["items"]!.AsArray().Where(d => ((string?)d!["metadata"]!["namespace"])!.StartsWith("team-", StringComparison.Ordinal))
                .Sum(d => (long?)d!["status"]?["readyReplicas"] ?? 0);
            var proxy = await client.GetFromJsonAsync<JsonObject>("/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy", ct);
            return (apps, (long?)proxy!["status"]?["numberReady"] ?? 0);
        }
        catch (HttpRequestException)
        {
            return (0, 0);
        }
    }

    private static async Task<long> CountAsync(HttpClient client, string? fieldSelector, CancellationToken ct)
    {
        long count = 0;
        string? next = null;
        do
        {
            var query = $"/api/v1/pods?limit=5000{(fieldSelector is null ? string.Empty : "&fieldSelector=" + Uri.EscapeDataString(fieldSelector))}{(next is null ? string.Empty : "&continue=" + next)}";
            var page = await client.GetFromJsonAsync<JsonObject>(query, ct);
            count += page!["items"]!.AsArray().Count;
            next = (string?)page["metadata"]?["continue"];
        }
        while (!string.IsNullOrEmpty(next));
        return count;
    }

    /// <summary>A /proc/PID/status figure in KiB (VmRSS, VmHWM).</summary>
    private static long Proc(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>User plus system CPU time of the process so far (clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
