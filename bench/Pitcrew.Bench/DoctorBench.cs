using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pitcrew.Sim;

namespace Pitcrew.Bench;

/// <summary>
/// pitcrew doctor at scale: starts the large scenario at N + 1 nodes as bench/sim.sh does, waits for every pod Running,
/// then times `pitcrew doctor cluster -o json` (wall, peak RSS; the first run also makes the sim issue each kubelet's
/// certificate) against `kubectl get pods -A -o json` on the same cluster. Everything it starts is stopped at the end.
/// </summary>
internal static class DoctorBench
{
    private static readonly TimeSpan ReadyLimit = TimeSpan.FromMinutes(25);
    /// <summary>The first round meets the sim issuing kubelet certificates; the best of the others is the figure.</summary>
    private const int Rounds = 3;

    public static async Task<int> RunAsync(string pitcrew, int workers, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-doctorbench-").FullName;
        var nodes = workers + 1;
        Console.WriteLine($"scenario large: {nodes:N0} nodes (dir {dir})");
        var clock = Stopwatch.StartNew();
        try
        {
            if (!await LargeSim.UpAsync(pitcrew, workers, dir, ct) || !await LargeSim.WaitAllRunningAsync(dir, workers, clock, ReadyLimit, null, ct))
            {
                return 1;
            }

            var kubeconfig = Path.Combine(dir, "kubeconfig");
            var cache = Path.Combine(dir, "kube-cache");
            var doctor = new List<Measured>();
            var kubectl = new List<Measured>();
            var simCpu = new List<TimeSpan>();
            var simPid = SimState.Read(dir).Pid;
            var idleBefore = SimCpu(simPid);
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            var simIdle = (SimCpu(simPid) - idleBefore) / 10;
            Console.WriteLine($"sim at rest: {simIdle.TotalSeconds:F2} cores");
            for (var round = 0; round < Rounds; round++)
            {
                var before = SimCpu(simPid);
                doctor.Add(await Measured.RunAsync(pitcrew, ["doctor", "cluster", "-o", "json", "--kubeconfig", kubeconfig], ct));
                simCpu.Add(SimCpu(simPid) - before);
                Console.WriteLine($"round {round + 1}: pitcrew doctor {doctor[^1].Wall.TotalSeconds:F2} s, CPU {doctor[^1].Cpu.TotalSeconds:F2} s, peak RSS {doctor[^1].PeakRssKb / 1024:N0} MB, " +
                    $"exit {doctor[^1].ExitCode}; the sim's CPU meanwhile {simCpu[^1].TotalSeconds:F2} s");
                if (doctor[^1].ExitCode is not (0 or 20 or 21))
                {
                    Console.WriteLine(doctor[^1].Stderr);
                }

                if (round > 0)
                {
                    // Once: at 150,000 pods it takes minutes.
                    continue;
                }

                kubectl.Add(await Measured.RunAsync("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", cache, "get", "pods", "-A", "-o", "json"], ct));
                Console.WriteLine($"round {round + 1}: kubectl get pods -A -o json {kubectl[^1].Wall.TotalSeconds:F2} s, peak RSS {kubectl[^1].PeakRssKb / 1024:N0} MB, exit {kubectl[^1].ExitCode}");
            }

            var last = doctor.LastOrDefault(m => m.Stdout.Length > 0);
            using var report = JsonDocument.Parse(last?.Stdout is { Length: > 0 } json ? json : """{"findings":[]}""");
            var findings = report.RootElement.GetProperty("findings").EnumerateArray()
                .GroupBy(f => f.GetProperty("severity").GetString()).ToDictionary(g => g.Key!, g => g.Count(), StringComparer.Ordinal);
            using var listed = JsonDocument.Parse(kubectl[^1].Stdout is { Length: > 0 } items ? items : """{"items":[]}""");
            var pods = listed.RootElement.GetProperty("items").GetArrayLength();
            Console.WriteLine($"nodes / pods                                {nodes,10:N0} / {pods:N0}");
            Console.WriteLine($"pitcrew doctor cluster, first run           {doctor[0].Wall.TotalSeconds,10:F2} s   (the sim issues {nodes:N0} kubelet certificates on first contact)");
            Console.WriteLine($"pitcrew doctor cluster, best of the rest    {doctor.Skip(1).Min(m => m.Wall.TotalSeconds),10:F2} s   (target < 10 s)");
            Console.WriteLine($"pitcrew doctor peak RSS                     {doctor.Max(m => m.PeakRssKb) / 1024,10:N0} MB   (target < 500 MB)");
            var best = doctor.Skip(1).MinBy(m => m.Wall.TotalSeconds)!;
            Console.WriteLine($"pitcrew doctor CPU (user + sys), that run   {best.Cpu.TotalSeconds,10:F2} s   (the sim on the same 2 cores used {simCpu[doctor.IndexOf(best)].TotalSeconds:F2} s meanwhile, {simIdle.TotalSeconds:F2} cores at rest)");
            Console.WriteLine($"findings (critical / warning / info)        {findings.GetValueOrDefault("critical"),10} / {findings.GetValueOrDefault("warning")} / {findings.GetValueOrDefault("info")}   (exit {doctor[^1].ExitCode})");
            Console.WriteLine($"kubectl get pods -A -o json                 {kubectl.Min(m => m.Wall.TotalSeconds),10:F2} s   (peak RSS {kubectl.Max(m => m.PeakRssKb) / 1024:N0} MB)");
            Console.WriteLine($"ratio doctor / kubectl                      {doctor.Skip(1).Min(m => m.Wall.TotalSeconds) / kubectl.Min(m => m.Wall.TotalSeconds),10:F2}x");
            return doctor.All(m => m.ExitCode is 0 or 20 or 21) && kubectl.All(m => m.ExitCode == 0) ? 0 : 1;
        }
        finally
        {
            var down = await Measured.RunAsync(pitcrew, ["sim", "down", "--dir", dir], CancellationToken.None);
            if (down.ExitCode != 0)
            {
                Console.Error.WriteLine($"sim down: {down.Stderr}");
            }

            // sim down stops the sim, which stops its etcd; anything of this run still alive is said and stopped.
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            foreach (var left in Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsDigit)).Select(p => int.Parse(p!, CultureInfo.InvariantCulture)))
            {
                string line;
                try
                {
                    line = File.ReadAllText($"/proc/{left}/cmdline").Replace('\0', ' ');
                }
                catch (IOException)
                {
                    continue;
                }

                if (line.Contains(dir, StringComparison.Ordinal) && left != Environment.ProcessId)
                {
                    Console.Error.WriteLine($"left running after sim down: pid {left}: {line}");
                    using var process = Process.GetProcessById(left);
                    process.Kill();
                }
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A process's CPU time so far (user + system), from /proc.</summary>
    private static TimeSpan SimCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
