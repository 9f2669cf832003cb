using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Sim;

namespace Pitcrew.Bench;

/// <summary>
/// kubectl drain against pitcrew node drain on one simulated cluster, each on nodes of its own holding the same
/// workloads: (1) one node with 110 pods (Deployments whose budgets allow 3 disruptions each, pods taking 2 s to shut
/// down): wall time and API requests per client from the sim's /metrics; (2) 20 nodes of 10 pods: one kubectl drain of
/// all 20 (one node at a time, as kubectl does) against pitcrew with --max-concurrent-nodes 5.
/// </summary>
internal static class DrainBench
{
    private const int BigPods = 110;
    private const int Apps = 11;
    private const int Fleet = 20;
    private const int FleetPods = 200;
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(string pitcrew, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-drainbench-").FullName;
        var scenario = Path.Combine(dir, "scenario.yaml");
        await File.WriteAllTextAsync(scenario, $"""
            version: v1.31.2
            nodes:
              - {"{"}name: cp, count: 1, role: control-plane{"}"}
              - {"{"}name: kbig, count: 1, labels: {"{"}side: kbig{"}"}, capacity: {"{"}cpu: "64", memory: 256Gi, pods: "120"{"}"}{"}"}
              - {"{"}name: pbig, count: 1, labels: {"{"}side: pbig{"}"}, capacity: {"{"}cpu: "64", memory: 256Gi, pods: "120"{"}"}{"}"}
              - {"{"}name: spare, count: 4, capacity: {"{"}cpu: "64", memory: 256Gi, pods: "120"{"}"}{"}"}
              - {"{"}name: fspare, count: 4, capacity: {"{"}cpu: "64", memory: 256Gi, pods: "120"{"}"}{"}"}
              - {"{"}name: kfleet, count: {Fleet}, labels: {"{"}side: kfleet{"}"}{"}"}
              - {"{"}name: pfleet, count: {Fleet}, labels: {"{"}side: pfleet{"}"}{"}"}
            """, ct);
        var sim = Path.Combine(dir, "sim");
        try
        {
            var up = await Measured.RunAsync(pitcrew, ["sim", "up", "--scenario", scenario, "--dir", sim, "--detach"], ct);
            if (up.ExitCode != 0)
            {
                Console.Error.WriteLine($"sim up failed ({up.ExitCode}): {up.Stderr}");
                return 1;
            }

            using var client = SimClient.CreateHttpClient(sim, withCertificate: true);
            var kubeconfig = Path.Combine(sim, "kubeconfig");
            var kubectl = new Kubectl(kubeconfig, Path.Combine(dir, "kube-cache"));
            foreach (var side in new[] { "kbig", "pbig" })
            {
                await kubectl.ApplyAsync(dir, Workloads(side, Apps, BigPods / Apps, maxUnavailable: 3), ct);
            }

            foreach (var side in new[] { "kfleet", "pfleet" })
            {
                await kubectl.ApplyAsync(dir, Workloads(side, 4, FleetPods / 4, maxUnavailable: 5), ct);
            }

            foreach (var side in new[] { "kbig", "pbig", "kfleet", "pfleet" })
            {
                await WaitRunningAsync(client, side, side.EndsWith("big", StringComparison.Ordinal) ? BigPods : FleetPods, ct);
            }

            // Replacements get somewhere to go only now, so every pod started on the nodes to be drained.
            for (var i = 1; i <= 4; i++)
            {
                await kubectl.RunAsync(["label", "node", $"spare-{i}", "side=" + (i <= 2 ? "kbig" : "pbig"), "--overwrite"], ct);
            }

            var before = await CountsAsync(client, ct);
            var kubectlBig = await Measured.RunAsync("kubectl", kubectl.Args("drain", "kbig-1", "--ignore-daemonsets"), ct);
            var afterKubectl = await CountsAsync(client, ct);
            var pitcrewBig = await Measured.RunAsync(pitcrew, ["node", "drain", "pbig-1", "--ignore-daemonsets", "--kubeconfig", kubeconfig], ct);
            var afterPitcrew = await CountsAsync(client, ct);
            var kubectlRequests = afterKubectl.GetValueOrDefault("kubectl") - before.GetValueOrDefault("kubectl");
            var pitcrewRequests = afterPitcrew.GetValueOrDefault("pitcrew") - afterKubectl.GetValueOrDefault("pitcrew");

            Console.WriteLine($"drain of one node with {BigPods} pods ({Apps} Deployments, budgets allowing 3 each, 2 s shutdown):");
            Console.WriteLine($"  kubectl drain         {kubectlBig.Wall.TotalSeconds,8:F1} s   {kubectlRequests,6:N0} API requests   exit {kubectlBig.ExitCode}");
            Console.WriteLine($"  pitcrew node drain    {pitcrewBig.Wall.TotalSeconds,8:F1} s   {pitcrewRequests,6:N0} API requests   exit {pitcrewBig.ExitCode}");
            Console.WriteLine($"  ratio pitcrew/kubectl {pitcrewBig.Wall.TotalSeconds / kubectlBig.Wall.TotalSeconds,8:F2}x time  {(double)pitcrewRequests / kubectlRequests,6:F2}x requests (targets: <= 1x, <= 0.2x)");
            for (var i = 1; i <= 4; i++)
            {
                await kubectl.RunAsync(["label", "node", $"fspare-{i}", "side=" + (i <= 2 ? "kfleet" : "pfleet"), "--overwrite"], ct);
            }

            var kubectlFleet = await Measured.RunAsync("kubectl", kubectl.Args(["drain", .. Names("kfleet", Fleet), "--ignore-daemonsets"]), ct);
            var pitcrewFleet = await Measured.RunAsync(pitcrew,
                ["node", "drain", .. Names("pfleet", Fleet), "--ignore-daemonsets", "--max-concurrent-nodes", "5", "--kubeconfig", kubeconfig], ct);

            Console.WriteLine($"drain of {Fleet} nodes with {FleetPods / Fleet} pods each (budgets allowing 5 of 50):");
            Console.WriteLine($"  kubectl drain (20 nodes, one at a time)      {kubectlFleet.Wall.TotalSeconds,8:F1} s   exit {kubectlFleet.ExitCode}");
            Console.WriteLine($"  pitcrew node drain --max-concurrent-nodes 5  {pitcrewFleet.Wall.TotalSeconds,8:F1} s   exit {pitcrewFleet.ExitCode}");
            Console.WriteLine($"  ratio pitcrew/kubectl                         {pitcrewFleet.Wall.TotalSeconds / kubectlFleet.Wall.TotalSeconds,8:F2}x");
            foreach (var failed in new[] { kubectlBig, pitcrewBig, kubectlFleet, pitcrewFleet }.Where(m => m.ExitCode != 0))
            {
                Console.Error.WriteLine(failed.Stderr);
            }

            return new[] { kubectlBig, pitcrewBig, kubectlFleet, pitcrewFleet }.All(m => m.ExitCode == 0) ? 0 : 1;
        }
        finally
        {
            await Measured.RunAsync(pitcrew, ["sim", "down", "--dir", sim], CancellationToken.None);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string[] Names(string prefix, int count) => [.. Enumerable.Range(1, count).Select(i => $"{prefix}-{i}")];

    /// <summary>Deployments pinned to one side's nodes, each with a budget, pods that take 2 s to shut down.</summary>
    private static string Workloads(string side, int apps, int replicas, int maxUnavailable)
    {
        var text = new StringBuilder($"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {side}}}\n");
        for (var i = 0; i < apps; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {"{"}name: app{i}, namespace: {side}{"}"}
                spec:
                  replicas: {replicas}
                  selector: {"{"}matchLabels: {"{"}app: app{i}{"}"}{"}"}
                  template:
                    metadata:
                      labels: {"{"}app: app{i}{"}"}
                      annotations: {"{"}sim.pitcrew.dev/stop-seconds: "2"{"}"}
                    spec:
                      nodeSelector: {"{"}side: {side}{"}"}
                      containers: [{"{"}name: app, image: nginx:1.27{"}"}]
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {"{"}name: app{i}, namespace: {side}{"}"}
                spec:
                  maxUnavailable: {maxUnavailable}
                  selector: {"{"}matchLabels: {"{"}app: app{i}{"}"}{"}"}

                """);
        }

        return text.ToString();
    }

    private static async Task WaitRunningAsync(HttpClient client, string ns, int expected, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var pods = await client.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/{ns}/pods?fieldSelector=status.phase%3DRunning", ct);
            if (pods!["items"]!.AsArray().Count >= expected)
            {
                return;
            }

            if (clock.Elapsed > RunLimit)
            {
                throw new TimeoutException($"pods in {ns} not all Running after {RunLimit}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>The sim's request counts by client (product name of the User-Agent).</summary>
    private static async Task<Dictionary<string, long>> CountsAsync(HttpClient client, CancellationToken ct)
    {
        var text = await client.GetStringAsync("/metrics", ct);
        var counts = new Dictionary<string, long>();
        foreach (var line in text.Split('\n').Where(l => l.StartsWith("apiserver_request_total{", StringComparison.Ordinal)))
        {
            var start = line.IndexOf("client=\"", StringComparison.Ordinal) + 8;
            var name = line[start..line.IndexOf('"', start)];
            counts[name] = counts.GetValueOrDefault(name) + long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }

        return counts;
    }

    /// <summary>The real kubectl with the sim's kubeconfig and one discovery cache.</summary>
    private sealed class Kubectl(string kubeconfig, string cache)
    {
        public string[] Args(params string[] args) => ["--kubeconfig", kubeconfig, "--cache-dir", cache, .. args];

        public async Task RunAsync(string[] args, CancellationToken ct)
        {
            var run = await Measured.RunAsync("kubectl", Args(args), ct);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl {string.Join(' ', args)}: {run.Stderr}");
            }
        }

        public async Task ApplyAsync(string dir, string manifest, CancellationToken ct)
        {
            var file = Path.Combine(dir, $"manifest-{Guid.NewGuid():N}.yaml");
            await File.WriteAllTextAsync(file, manifest, ct);
            await RunAsync(["apply", "-f", file], ct);
        }
    }
}
