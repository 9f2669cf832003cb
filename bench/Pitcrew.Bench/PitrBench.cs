using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pitcrew.Etcd;

namespace Pitcrew.Bench;

/// <summary>
/// The change stream (issue 19): etcd's extra CPU at a steady write rate with and without the stream, the recovery point
/// after a SIGKILL of the runner, and rebuilding a point (a full backup of the target size plus CHANGES streamed changes)
/// against etcdctl snapshot restore of the full backup alone.
/// </summary>
internal static class PitrBench
{
    private const int Rate = 1000;
    private static readonly TimeSpan Steady = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(string pitcrew, long targetBytes, int changes, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pitcrew-bench-pitr-").FullName;
        try
        {
            var store = new Uri(Path.Combine(root, "store")).AbsoluteUri;
            Directory.CreateDirectory(new Uri(store).LocalPath);
            await using var etcd = await LocalEtcd.StartAsync(Path.Combine(root, "data"), "bench", TimeProvider.System, cancellationToken);
            var env = new Dictionary<string, string> { ["ETCDCTL_ENDPOINTS"] = etcd.ClientUrl };
            await Loader.LoadAsync(etcd.ClientUrl, targetBytes, cancellationToken);
            var full = await Checked(Measured.RunAsync(pitcrew, ["etcd", "backup", "create", "--store", store, "--compress", "-o", "json"], cancellationToken, env));
            var options = new EtcdConnectionOptions([etcd.ClientUrl], CommandTimeout: TimeSpan.FromSeconds(30));
            using var connection = new EtcdEndpointClient(options, etcd.ClientUrl);

            // 1. etcd's CPU at 1,000 writes/s without the stream, then with it (after a warm-up round, so both meet a warm etcd).
            await SteadyAsync(etcd, connection, "warm-up", cancellationToken);
            var without = await SteadyAsync(etcd, connection, "quiet", cancellationToken);
            using var runner = Start(pitcrew, ["etcd", "backup", "run", "--store", store, "--schedule", "0 0 1 1 *", "--continuous", "--compress"], env);
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            var with = await SteadyAsync(etcd, connection, "streamed", cancellationToken);

            // 2. The recovery point: SIGKILL mid-stream at 1,000 writes/s; what the store misses of what etcd acknowledged.
            using var stopWriting = new CancellationTokenSource();
            var writing = WriteAtRateAsync(connection, "kill", int.MaxValue, stopWriting.Token);
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
            var acknowledged = (await EtcdEndpoints.StatusAsync(options, false, cancellationToken))[0].Revision;
            runner.Kill();
            await runner.WaitForExitAsync(cancellationToken);
            await stopWriting.CancelAsync();
            await writing;
            var stored = await CoveredAsync(pitcrew, store, env, cancellationToken);
            var missing = Math.Max(0, acknowledged - stored);

            // 3. Rebuild: the full backup plus CHANGES changes streamed at full speed, against etcdctl's restore of the full backup.
            using var again = Start(pitcrew, ["etcd", "backup", "run", "--store", store, "--schedule", "0 0 1 1 *", "--continuous", "--compress"], env);
            var fill = Stopwatch.StartNew();
            await WriteFastAsync(connection, changes, cancellationToken);
            var final = (await EtcdEndpoints.StatusAsync(options, false, cancellationToken))[0].Revision;
            while (await CoveredAsync(pitcrew, store, env, cancellationToken) < final)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            Console.Error.WriteLine($"pitr: {changes:N0} changes written and streamed in {fill.Elapsed.TotalSeconds:0} s");
            again.Kill();
            await again.WaitForExitAsync(cancellationToken);
            using var fullJson = JsonDocument.Parse(full.Stdout);
            var name = fullJson.RootElement.GetProperty("manifest").GetProperty("name").GetString()!;
            var baseRevision = fullJson.RootElement.GetProperty("manifest").GetProperty("snapshot").GetProperty("revision").GetInt64();
            var baseFile = Path.Combine(root, "base.db");
            await Checked(Measured.RunAsync(pitcrew, ["etcd", "backup", "get", name, baseFile, "--store", store], cancellationToken));
            var results = new List<(string Tool, Measured Run)>();
            for (var round = 1; round <= 2; round++)
            {
                var target = Path.Combine(root, "restored");
                results.Add(("etcdctl snapshot restore (full backup alone)", await Checked(Measured.RunAsync(BenchOptions.Etcdctl,
                    ["snapshot", "restore", baseFile, "--data-dir", target, "--name", "m1", "--initial-cluster", "m1=http://127.0.0.1:2380",
                        "--initial-advertise-peer-urls", "http://127.0.0.1:2380"], cancellationToken))));
                Directory.Delete(target, recursive: true);
                var point = Path.Combine(root, "point.db");
                results.Add(("pitcrew backup get --revision (full + changes)", await Checked(Measured.RunAsync(pitcrew,
                    ["etcd", "backup", "get", "latest", point, "--revision", final.ToString(CultureInfo.InvariantCulture), "--store", store, "--work-dir", root],
                    cancellationToken))));
                File.Delete(point);
            }

            var baseSize = new FileInfo(baseFile).Length;
            Console.WriteLine($"PITR bench: full backup {baseSize / 1e6:0} MB at revision {baseRevision:N0}, {final - baseRevision:N0} revisions streamed after it");
            Console.WriteLine();
            Console.WriteLine("| measure | value |");
            Console.WriteLine("|---|---|");
            Console.WriteLine($"| etcd CPU at {Rate} writes/s, no stream | {without.Cpu:0.00} s per {Steady.TotalSeconds:0} s ({without.Written:N0} writes) |");
            Console.WriteLine($"| etcd CPU at {Rate} writes/s, streamed | {with.Cpu:0.00} s per {Steady.TotalSeconds:0} s ({with.Written:N0} writes) |");
            var perWithout = without.Cpu / Math.Max(1, without.Written) * 1000;
            var perWith = with.Cpu / Math.Max(1, with.Written) * 1000;
            Console.WriteLine($"| etcd CPU per 1,000 writes | {perWithout:0.000} s without, {perWith:0.000} s with the stream ({perWith / Math.Max(0.0001, perWithout):0.00}x) |");
            Console.WriteLine($"| stream's extra etcd CPU at {Rate}/s | {(perWith - perWithout) * Rate / 1000 * 100:0.0}% of a core |");
            Console.WriteLine($"| recovery point after SIGKILL at {Rate}/s | {missing:N0} revisions missing = {missing * 1000.0 / Rate:0} ms of writes |");
            Console.WriteLine();
            Console.WriteLine("| tool | wall (min) | peak RSS (max) |");
            Console.WriteLine("|---|---|---|");
            foreach (var group in results.GroupBy(r => r.Tool))
            {
                Console.WriteLine($"| {group.Key} | {group.Min(r => r.Run.Wall.TotalSeconds):0.00} s | {group.Max(r => r.Run.PeakRssKb) / 1024} MB |");
            }

            var ratio = results.Where(r => r.Tool.StartsWith("pitcrew", StringComparison.Ordinal)).Min(r => r.Run.Wall) /
                results.Where(r => r.Tool.StartsWith("etcdctl", StringComparison.Ordinal)).Min(r => r.Run.Wall);
            Console.WriteLine($"rebuild / etcdctl restore (min wall): {ratio:0.00}x");
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Process Start(string file, string[] args, Dictionary<string, string> env)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in env)
        {
            start.Environment[k] = v;
        }

        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>etcd's own CPU (from /proc) over a steady period of writes at the rate.</summary>
    private static async Task<(double Cpu, int Written)> SteadyAsync(LocalEtcd etcd, EtcdEndpointClient client, string round, CancellationToken cancellationToken)
    {
        var before = CpuSeconds(etcd.Pid);
        using var stop = new CancellationTokenSource(Steady);
        var written = await WriteAtRateAsync(client, round, int.MaxValue, stop.Token);
        return (CpuSeconds(etcd.Pid) - before, written);
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Puts 1 KiB values at the rate (10 writers) until stopped; returns how many etcd acknowledged.</summary>
    private static async Task<int> WriteAtRateAsync(EtcdEndpointClient client, string round, int max, CancellationToken stop)
    {
        var value = new byte[1024];
        var written = 0;
        var clock = Stopwatch.StartNew();
        var writers = Enumerable.Range(0, 10).Select(async w =>
        {
            for (var i = 0; !stop.IsCancellationRequested && written < max; i++)
            {
                var due = TimeSpan.FromSeconds((double)(i * 10 + w) / Rate);
                if (clock.Elapsed < due)
                {
                    try
                    {
                        await Task.Delay(due - clock.Elapsed, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                await client.PutAsync($"/registry/rate/{round}/{w}-{i % 5000}", value, CancellationToken.None);
                Interlocked.Increment(ref written);
            }
        });
        await Task.WhenAll(writers);
        return written;
    }

    private static async Task WriteFastAsync(EtcdEndpointClient client, int changes, CancellationToken cancellationToken)
    {
        var value = new byte[512];
        await Parallel.ForEachAsync(Enumerable.Range(0, changes), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (i, ct) => await client.PutAsync($"/registry/churn/ns{i % 100}/object-{i % 20000}", value, ct));
    }

    /// <summary>The revision the store's newest chain reaches, as backup list reports it.</summary>
    private static async Task<long> CoveredAsync(string pitcrew, string store, Dictionary<string, string> env, CancellationToken cancellationToken)
    {
        var list = await Checked(Measured.RunAsync(pitcrew, ["etcd", "backup", "list", "--store", store, "-o", "json"], cancellationToken, env));
        using var json = JsonDocument.Parse(list.Stdout);
        return json.RootElement.GetProperty("backups").EnumerateArray()
            .Select(b => b.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.Object ? s.GetProperty("throughRevision").GetInt64() : b.GetProperty("revision").GetInt64())
            .DefaultIfEmpty(0).Max();
    }

    private static async Task<Measured> Checked(Task<Measured> run)
    {
        var measured = await run;
        if (measured.ExitCode != 0)
        {
            throw new InvalidOperationException($"exit {measured.ExitCode}: {measured.Stderr}");
        }

        return measured;
    }
}
