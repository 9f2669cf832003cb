using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>The scheduler, the simulated kubelets and the disruption controller at work.</summary>
public sealed class ControllerTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnscheduledPod_IsPlacedOnAWorkerAndRuns()
    {
        using var client = sim.AdminClient();
        await CreateAsync(client, "/api/v1/namespaces", Named("sched"));
        await CreateAsync(client, "/api/v1/namespaces/sched/pods", Pod("web", new JsonObject { ["app"] = "web" }, node: null));

        var pod = await WaitAsync(client, "/api/v1/namespaces/sched/pods/web", p => (string?)p["status"]?["phase"] == "Running");
        Assert.StartsWith("worker-", (string?)pod["spec"]!["nodeName"], StringComparison.Ordinal);
        Assert.StartsWith("10.244.", (string?)pod["status"]!["podIP"], StringComparison.Ordinal);

        var (code, stdout, stderr) = await sim.KubectlAsync("-n", "sched", "get", "pods", "-o", "wide", "--no-headers");
        Assert.True(code == 0, stderr);
        Assert.Matches(@"^web\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\S+\s+worker-\d", stdout);

        var events = await sim.KubectlAsync("-n", "sched", "get", "events", "--sort-by=.lastTimestamp");
        Assert.True(events.ExitCode == 0, events.Stderr);
        Assert.Matches(@"Normal\s+Scheduled\s+pod/web\s+Successfully assigned sched/web to worker-\d", events.Stdout);
        Assert.Matches(@"Normal\s+Started\s+pod/web\s+Started container app", events.Stdout);
        var describe = await sim.KubectlAsync("-n", "sched", "describe", "pod", "web");
        Assert.True(describe.ExitCode == 0, describe.Stderr);
        Assert.Contains("Events:", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("default-scheduler", describe.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodNoNodeFits_IsReportedUnschedulableWithReasons()
    {
        using var client = sim.AdminClient();
        await CreateAsync(client, "/api/v1/namespaces", Named("nofit"));
        var pod = Pod("picky", [], node: null);
        pod["spec"]!["nodeSelector"] = new JsonObject { ["disk"] = "nvme" };
        await CreateAsync(client, "/api/v1/namespaces/nofit/pods", pod);

        var pending = await WaitAsync(client, "/api/v1/namespaces/nofit/pods/picky",
            p => (p["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => (string?)c["reason"] == "Unschedulable") == true);
        var message = (string?)((JsonArray)pending["status"]!["conditions"]!).OfType<JsonObject>().Single(c => (string?)c["type"] == "PodScheduled")["message"];
        Assert.Equal("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match Pod's node affinity/selector.", message);
    }

    [Fact]
    public async Task Budget_StatusFollowsItsHealthyPods()
    {
        using var client = sim.AdminClient();
        await CreateAsync(client, "/api/v1/namespaces", Named("budget"));
        for (var i = 0; i < 3; i++)
        {
            await CreateAsync(client, "/api/v1/namespaces/budget/pods", Pod($"db-{i}", new JsonObject { ["app"] = "db" }, node: $"worker-{i + 1}"));
        }

        await CreateAsync(client, "/apis/policy/v1/namespaces/budget/poddisruptionbudgets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "db" },
            ["spec"] = new JsonObject { ["minAvailable"] = 2, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "db" } } },
        });

        var pdb = await WaitAsync(client, "/apis/policy/v1/namespaces/budget/poddisruptionbudgets/db", p => (int?)p["status"]?["currentHealthy"] == 3);
        Assert.Equal(1, (int?)pdb["status"]!["disruptionsAllowed"]);
        Assert.Equal(2, (int?)pdb["status"]!["desiredHealthy"]);
        Assert.Equal(1, (int?)pdb["status"]!["observedGeneration"]);

        var (code, stdout, stderr) = await sim.KubectlAsync("drain", "worker-1", "--force", "--ignore-daemonsets", "--timeout=30s");
        Assert.True(code == 0, stderr);
        Assert.Contains("node/worker-1 drained", stdout, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/namespaces/budget/pods/db-0", Token)).StatusCode);

        pdb = await WaitAsync(client, "/apis/policy/v1/namespaces/budget/poddisruptionbudgets/db", p => (int?)p["status"]?["currentHealthy"] == 2);
        Assert.Equal(0, (int?)pdb["status"]!["disruptionsAllowed"]);

        var blocked = await sim.KubectlAsync("drain", "worker-2", "--force", "--ignore-daemonsets", "--timeout=3s");
        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget.", blocked.Stderr, StringComparison.Ordinal);
        var metrics = await client.GetStringAsync("/metrics", Token);
        Assert.Contains("sim_pdb_violations_total{namespace=\"budget\",name=\"db\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Matches("sim_pdb_status_computations_total [1-9]", metrics);
        Assert.Equal(0, (await sim.KubectlAsync("uncordon", "worker-1", "worker-2")).ExitCode);
    }

    [Theory]
    // The figures include kubectl's own start (the version dispatcher asks /version first), which takes seconds on a
    // loaded machine, so the two cases are 5 s apart: 6 s of shutdown against a 1 s grace period.
    [InlineData(30, 5.5, 15)] // the workload's own shutdown time
    [InlineData(1, 0.5, 5)] // cut short by the grace period
    public async Task DeletedPod_StopsAfterItsStopSecondsBoundedByGrace(int graceSeconds, double atLeast, double atMost)
    {
        using var client = sim.AdminClient();
        var ns = "stop" + graceSeconds;
        await CreateAsync(client, "/api/v1/namespaces", Named(ns));
        var pod = Pod("slow", new JsonObject { ["app"] = "slow" }, node: null);
        pod["metadata"]!["annotations"] = new JsonObject { ["sim.pitcrew.dev/stop-seconds"] = "6" };
        pod["spec"]!["terminationGracePeriodSeconds"] = graceSeconds;
        await CreateAsync(client, $"/api/v1/namespaces/{ns}/pods", pod);
        await WaitAsync(client, $"/api/v1/namespaces/{ns}/pods/slow", p => (string?)p["status"]?["phase"] == "Running");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, _, stderr) = await sim.KubectlAsync("-n", ns, "delete", "pod", "slow", "--wait=true");
        Assert.True(code == 0, stderr);
        Assert.InRange(clock.Elapsed.TotalSeconds, atLeast, atMost);
    }

    private static JsonObject Named(string name) => new() { ["metadata"] = new JsonObject { ["name"] = name } };

    private static JsonObject Pod(string name, JsonObject labels, string? node)
    {
        var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx:1.27" }) };
        if (node is not null)
        {
            spec["nodeName"] = node;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels }, ["spec"] = spec };
    }

    private static async Task CreateAsync(HttpClient client, string url, JsonObject body)
    {
        var response = await client.PostAsJsonAsync(url, body, Token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
    }

    private static async Task<JsonObject> WaitAsync(HttpClient client, string url, Func<JsonObject, bool> done)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Bound);
        while (true)
        {
            var obj = await client.GetFromJsonAsync<JsonObject>(url, timeout.Token);
            if (done(obj!))
            {
                return obj!;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    [Fact]
    public async Task ControlPlane_IsLaidOutAsKubeadmDoes()
    {
        using var client = sim.AdminClient();
        var apiserver = await WaitAsync(client, "/api/v1/namespaces/kube-system/pods/kube-apiserver-cp-1", p => (string?)p["status"]?["phase"] == "Running");
        Assert.Equal("registry.k8s.io/kube-apiserver:v1.31.2", (string?)apiserver["spec"]!["containers"]![0]!["image"]);
        Assert.NotNull(apiserver["metadata"]!["annotations"]!["kubernetes.io/config.mirror"]);
        await WaitAsync(client, "/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy", d => (int?)d["status"]?["numberReady"] == 4);
        await WaitAsync(client, "/apis/apps/v1/namespaces/kube-system/deployments/coredns", d => (int?)d["status"]?["readyReplicas"] == 2);
        var config = await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/kube-system/configmaps/kubeadm-config", Token);
        Assert.Contains("kubernetesVersion: v1.31.2", (string?)config!["data"]!["ClusterConfiguration"], StringComparison.Ordinal);

        var pods = await sim.KubectlAsync("-n", "kube-system", "get", "pods", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,NODE:.spec.nodeName");
        foreach (var component in new[] { "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler" })
        {
            Assert.Matches($@"(?m)^{component}-cp-1\s+cp-1$", pods.Stdout);
        }
    }
}
