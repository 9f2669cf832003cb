using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Sim;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Bench;

/// <summary>
/// pitcrew upgrade apply of one minor (v1.29.15 to v1.30.14) on a simulated cluster of 3 control planes and 50 workers
/// whose kubelets take 10 s to come back and whose pods take 3 s to stop (Deployments under budgets allowing one
/// disruption each), with --batch-size 5 and again on a fresh cluster with --batch-size 1. For each: the wall time,
/// the unavoidable work (per node: drain + wait-ready from the journal), Pitcrew's own time per node (its time from its
/// first step to its done entry, minus drain and wait-ready) and where it goes, and budget violations from the sim's /metrics.
/// </summary>
internal static class UpgradeBench
{
    private const int ControlPlanes = 3;
    private const int Apps = 20;
    private const int PodsPerWorker = 4;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(5);

    public static async Task<int> RunAsync(string pitcrew, int workers, int kubeletRestartSeconds, int stopSeconds, IReadOnlyList<int> batches, CancellationToken ct)
    {
        var results = new List<(int Batch, Figures Figures)>();
        foreach (var batch in batches)
        {
            var figures = await RunOnceAsync(pitcrew, workers, kubeletRestartSeconds, stopSeconds, batch, ct);
            if (figures is null)
            {
                return 1;
            }

            results.Add((batch, figures));
        }

        Console.WriteLine();
        Console.WriteLine($"upgrade apply v1.29.15 -> v1.30.14, {ControlPlanes} control planes + {workers} workers, kubelet restart {kubeletRestartSeconds} s, pod stop {stopSeconds} s:");
        Console.WriteLine("                                   " + string.Join("  ", results.Select(r => $"--batch-size {r.Batch,-3}")));
        Row("total wall time (s)", results, f => f.Wall);
        Row("run span in the journal (s)", results, f => f.JournalSpan);
        Row("unavoidable: sum drain+restart (s)", results, f => f.Unavoidable);
        Row("ratio total/unavoidable", results, f => f.Wall / f.Unavoidable, "F2");
        Row("overhead per node, mean (s)", results, f => f.Overhead.Average(), "F2");
        Row("overhead per node, max (s)", results, f => f.Overhead.Max(), "F2");
        Row("  workers only, mean (s)", results, f => f.WorkerOverhead.Average(), "F2");
        Row("PDB violations", results, f => f.Violations, "F0");
        var met = results.All(r => r.Figures.WorkerOverhead.Average() < 2);
        Console.WriteLine($"target: Pitcrew's own time per node under 2 s: {(met ? "met" : "NOT met")} (mean over workers); PDB violations must be 0: {(results.All(r => r.Figures.Violations == 0) ? "met" : "NOT met")}");
        return results.All(r => r.Figures.Violations == 0) ? 0 : 1;
    }

    private static void Row(string name, List<(int Batch, Figures Figures)> results, Func<Figures, double> value, string format = "F1") =>
        Console.WriteLine($"  {name,-33}" + string.Join("  ", results.Select(r => value(r.Figures).ToString(format, CultureInfo.InvariantCulture).PadLeft(15))));

    private static async Task<Figures?> RunOnceAsync(string pitcrew, int workers, int kubeletRestartSeconds, int stopSeconds, int batch, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-upgradebench-").FullName;
        var sim = Path.Combine(dir, "sim");
        var scenario = Path.Combine(dir, "scenario.yaml");
        await File.WriteAllTextAsync(scenario, $$"""
            version: v1.29.15
            nodes:
              - { name: cp, count: {{ControlPlanes}}, role: control-plane }
              - { name: worker, count: {{workers}}, capacity: { cpu: "16", memory: 64Gi, pods: "110" } }
            workloads:
              - { kind: DaemonSet, name: node-agent, namespace: kube-system }
            """, ct);
        var releases = Path.Combine(dir, "releases.yaml");
        await File.WriteAllTextAsync(releases, """
            asOf: 2026-11-01
            minors:
              - { minor: v1.29, latest: v1.29.15, released: 2023-12-13, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.11.1 }
              - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.11.3 }
            """, ct);
        try
        {
            var up = await Measured.RunAsync(pitcrew,
                ["sim", "up", "--scenario", scenario, "--dir", sim, "--detach", "--kubelet-restart", $"{kubeletRestartSeconds}s"], ct);
            if (up.ExitCode != 0)
            {
                Console.Error.WriteLine($"sim up failed ({up.ExitCode}): {up.Stderr}");
                return null;
            }

            using var client = SimClient.CreateHttpClient(sim, withCertificate: true);
            var kubeconfig = Path.Combine(sim, "kubeconfig");
            var manifest = Path.Combine(dir, "workloads.yaml");
            await File.WriteAllTextAsync(manifest, Workloads(workers * PodsPerWorker / Apps, stopSeconds), ct);
            var apply = await Measured.RunAsync("kubectl", ["--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(dir, "kube-cache"), "apply", "-f", manifest], ct);
            if (apply.ExitCode != 0)
            {
                Console.Error.WriteLine($"kubectl apply failed: {apply.Stderr}");
                return null;
            }

            var pods = await WaitSettledAsync(client, workers * PodsPerWorker / Apps * Apps, ct);
            var perNode = pods.GroupBy(p => p).Select(g => g.Count()).ToList();
            Console.WriteLine($"batch {batch}: {pods.Count} pods Running and Ready ({Apps} Deployments under budgets, {perNode.Min()}-{perNode.Max()} workload pods per worker)");

            var before = await BudgetCountsAsync(client, ct);
            var state = Path.Combine(dir, "state");
            var run = await Measured.RunAsync(pitcrew,
            [
                "upgrade", "apply", "--kubeconfig", kubeconfig, "--releases", releases, "--executor", "sim", "--store", "file://" + Path.Combine(dir, "backups"),
                "--endpoints", SimState.Read(sim).EtcdEndpoint,
                "--state-dir", state, "--yes", "--bake", "2s", "--force", "--to", "v1.30", "--batch-size", batch.ToString(CultureInfo.InvariantCulture),
            ], ct);
            var after = await BudgetCountsAsync(client, ct);
            Directory.CreateDirectory(Path.Combine("bench", "out"));
            var keep = Path.Combine("bench", "out", $"upgrade-journal-batch{batch}.json");
            if (File.Exists(Path.Combine(state, UpgradeJournal.FileName)))
            {
                File.Copy(Path.Combine(state, UpgradeJournal.FileName), keep, overwrite: true);
            }

            await File.WriteAllTextAsync(Path.Combine("bench", "out", $"upgrade-output-batch{batch}.txt"), run.Stdout + run.Stderr, ct);
            if (run.ExitCode != 0)
            {
                Console.Error.WriteLine($"upgrade apply --batch-size {batch} failed ({run.ExitCode}):\n{Tail(run.Stdout, 30)}\n{run.Stderr}");
                return null;
            }

            var journal = await UpgradeJournal.LoadAsync(state, ct) ?? throw new InvalidOperationException("no journal");
            var figures = Analyse(journal, run.Wall.TotalSeconds, after.Violations - before.Violations);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch {batch}: wall {figures.Wall:F1} s, unavoidable {figures.Unavoidable:F1} s, overhead per node mean {figures.Overhead.Average():F2} s max {figures.Overhead.Max():F2} s, " +
                $"PDB violations {figures.Violations} ({after.Computations - before.Computations:N0} budget statuses computed), peak RSS {run.PeakRssKb / 1024:N0} MB; journal kept in {keep}"));
            Console.WriteLine($"batch {batch}: where a worker's time goes (mean seconds per worker):");
            foreach (var (name, seconds) in figures.Breakdown)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {name,-54} {seconds,7:F2}"));
            }

            var waitReady = figures.Breakdown.FirstOrDefault(r => r.Name.StartsWith("wait-ready", StringComparison.Ordinal)).Seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    (of wait-ready, beyond the kubelet's {kubeletRestartSeconds} s restart: {waitReady - kubeletRestartSeconds:F2} s, the 1 s readiness poll)"));

            return figures;
        }
        finally
        {
            await Measured.RunAsync(pitcrew, ["sim", "down", "--dir", sim], CancellationToken.None);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>What one run measured.</summary>
    private sealed record Figures(double Wall, double JournalSpan, double Unavoidable, List<double> Overhead, List<double> WorkerOverhead, long Violations,
        List<(string Name, double Seconds)> Breakdown);

    /// <summary>
    /// Per node: its parts (from the first entry after the previous part's done entry to the next done entry), the
    /// drain and wait-ready seconds, and the rest (Pitcrew's own time): the other steps, the health gates after the last
    /// step, and the gaps between steps (journal writes).
    /// </summary>
    private static Figures Analyse(UpgradeJournal journal, double wall, long violations)
    {
        var overhead = new List<double>();
        var workerOverhead = new List<double>();
        var unavoidable = 0.0;
        var breakdown = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var node in journal.Entries.Where(e => e.Node is not null).GroupBy(e => e.Node!))
        {
            var span = 0.0;
            DateTimeOffset? partStart = null;
            DateTimeOffset? lastStepDone = null;
            var stepSeconds = 0.0;
            var gates = 0.0;
            var worker = node.Key.StartsWith("worker-", StringComparison.Ordinal);
            foreach (var entry in node)
            {
                partStart ??= entry.At;
                var part = entry.Step.EndsWith("/done", StringComparison.Ordinal) || entry.Step.EndsWith("/control-plane-done", StringComparison.Ordinal);
                if (part)
                {
                    span += (entry.At - partStart.Value).TotalSeconds;
                    gates += lastStepDone is { } l ? (entry.At - l).TotalSeconds : 0;
                    partStart = null;
                    lastStepDone = null;
                    continue;
                }

                if (entry.State == StepState.Done)
                {
                    var name = entry.Step[(entry.Step.LastIndexOf('/') + 1)..];
                    stepSeconds += entry.Seconds ?? 0;
                    lastStepDone = entry.At;
                    if (worker)
                    {
                        breakdown[name] = breakdown.GetValueOrDefault(name) + (entry.Seconds ?? 0);
                    }
                }
            }

            var drain = Seconds(node, "drain");
            var waitReady = Seconds(node, "wait-ready");
            unavoidable += drain + waitReady;
            overhead.Add(span - drain - waitReady);
            if (worker)
            {
                workerOverhead.Add(span - drain - waitReady);
                breakdown["health gates + uncordon + done (after the last step)"] = breakdown.GetValueOrDefault("health gates + uncordon + done (after the last step)") + gates;
                breakdown["between steps (journal writes)"] = breakdown.GetValueOrDefault("between steps (journal writes)") + (span - stepSeconds - gates);
            }
        }

        var workers = Math.Max(1, workerOverhead.Count);
        var order = new[] { "drain", "wait-ready" };
        var rows = breakdown.OrderBy(p => Array.IndexOf(order, p.Key) is var i && i >= 0 ? i : 2).ThenByDescending(p => p.Value)
            .Select(p => (order.Contains(p.Key) ? p.Key + " (unavoidable)" : p.Key, p.Value / workers)).ToList();
        var span0 = journal.Entries.Count > 0 ? (journal.Entries[^1].At - journal.Entries[0].At).TotalSeconds : 0;
        return new Figures(wall, span0, unavoidable, overhead, workerOverhead, violations, rows);
    }

    private static double Seconds(IEnumerable<JournalEntry> entries, string step) =>
        entries.Where(e => e.State == StepState.Done && e.Step.EndsWith("/" + step, StringComparison.Ordinal)).Sum(e => e.Seconds ?? 0);

    /// <summary>Deployments of the given replicas, each under a budget allowing one disruption, pods taking stopSeconds to stop.</summary>
    private static string Workloads(int replicas, int stopSeconds)
    {
        var text = new StringBuilder("apiVersion: v1\nkind: Namespace\nmetadata: {name: fleet}\n");
        for (var i = 0; i < Apps; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $$$"""
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app{{{i}}}, namespace: fleet}
                spec:
                  replicas: {{{replicas}}}
                  selector: {matchLabels: {app: app{{{i}}}}}
                  template:
                    metadata:
                      labels: {app: app{{{i}}}}
                      annotations: {sim.pitcrew.dev/stop-seconds: "{{{stopSeconds}}}"}
                    spec:
                      containers:
                        - name: app
                          image: "nginx:1.27"
                          resources: {requests: {cpu: 100m, memory: 128Mi}}
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: app{{{i}}}, namespace: fleet}
                spec:
                  maxUnavailable: 1
                  selector: {matchLabels: {app: app{{{i}}}}}

                """);
        }

        return text.ToString();
    }

    /// <summary>Waits until the expected workload pods exist and every pod is Running and Ready; returns each workload pod's node.</summary>
    private static async Task<List<string>> WaitSettledAsync(HttpClient client, int expected, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var items = (await client.GetFromJsonAsync<JsonObject>("/api/v1/pods", ct))!["items"]!.AsArray().OfType<JsonObject>().ToList();
            var ready = items.Count(p => (string?)p["status"]?["phase"] == "Running"
                && (p["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => (string?)c["type"] == "Ready" && (string?)c["status"] == "True") == true);
            var fleet = items.Where(p => (string?)p["metadata"]?["namespace"] == "fleet").ToList();
            if (fleet.Count >= expected && ready == items.Count)
            {
                return [.. fleet.Select(p => (string?)p["spec"]?["nodeName"] ?? "?")];
            }

            if (clock.Elapsed > SettleLimit)
            {
                throw new TimeoutException($"{ready} of {items.Count} pods Running and Ready after {SettleLimit} (expected {expected})");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>The sim's budget counters: violations summed over budgets, and status computations.</summary>
    private static async Task<(long Violations, long Computations)> BudgetCountsAsync(HttpClient client, CancellationToken ct)
    {
        var text = await client.GetStringAsync("/metrics", ct);
        long violations = 0, computations = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("sim_pdb_violations_total{", StringComparison.Ordinal))
            {
                violations += long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("sim_pdb_status_computations_total ", StringComparison.Ordinal))
            {
                computations = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return (violations, computations);
    }

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
