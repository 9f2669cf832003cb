using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>Graceful deletion, finalizers and the eviction subresource with PodDisruptionBudgets whose status the tests set.</summary>
public sealed class EvictionTests(StaticSimulatorFixture sim) : IClassFixture<StaticSimulatorFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Delete_OfARunningPod_IsGracefulUntilConfirmedWithGraceZero()
    {
        using var client = sim.AdminClient();
        await RunningPodAsync(client, "grace", "p1", "worker-1", new JsonObject());
        var first = await client.DeleteAsync("/api/v1/namespaces/grace/pods/p1", Token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var pod = await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/grace/pods/p1", Token);
        Assert.NotNull(pod!["metadata"]!["deletionTimestamp"]);
        Assert.Equal(30, (int?)pod["metadata"]!["deletionGracePeriodSeconds"]);

        var confirm = await client.DeleteAsync("/api/v1/namespaces/grace/pods/p1?gracePeriodSeconds=0", Token);
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/namespaces/grace/pods/p1", Token)).StatusCode);
    }

    [Fact]
    public async Task Delete_WithAFinalizer_WaitsForItsRemoval()
    {
        using var client = sim.AdminClient();
        await CreateAsync(client, "/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "final" } });
        await CreateAsync(client, "/api/v1/namespaces/final/configmaps",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "held", ["finalizers"] = new JsonArray("example.com/hold") } });
        await client.DeleteAsync("/api/v1/namespaces/final/configmaps/held", Token);
        var held = await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/final/configmaps/held", Token);
        Assert.NotNull(held!["metadata"]!["deletionTimestamp"]);

        var patch = new StringContent("""{"metadata":{"finalizers":null}}""", Encoding.UTF8, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync("/api/v1/namespaces/final/configmaps/held", patch, Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/namespaces/final/configmaps/held", Token)).StatusCode);
    }

    [Fact]
    public async Task Evict_WithoutBudget_DeletesGracefullyAndAnswers201()
    {
        using var client = sim.AdminClient();
        await RunningPodAsync(client, "evict-a", "free", "worker-1", new JsonObject { ["app"] = "free" });
        var response = await EvictAsync(client, "evict-a", "free");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Success", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(Token))!["status"]);
        var pod = await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/evict-a/pods/free", Token);
        Assert.NotNull(pod!["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task Evict_WithABudgetNotYetProcessed_Gets429WithRetryAfter10()
    {
        using var client = sim.AdminClient();
        await RunningPodAsync(client, "evict-b", "web-0", "worker-2", new JsonObject { ["app"] = "web" });
        await BudgetAsync(client, "evict-b", "web", status: null);
        var response = await EvictAsync(client, "evict-b", "web-0");
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Equal("10", response.Headers.RetryAfter?.ToString());
        var status = await response.Content.ReadFromJsonAsync<JsonObject>(Token);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", (string?)status!["message"]);
        Assert.Equal("The disruption budget web is still being processed by the server.", (string?)status["details"]!["causes"]![0]!["message"]);
    }

    [Fact]
    public async Task Evict_WithABudgetAllowingNone_Gets429NamingTheBudgetAndCounts()
    {
        using var client = sim.AdminClient();
        await RunningPodAsync(client, "evict-c", "db-0", "worker-2", new JsonObject { ["app"] = "db" });
        await BudgetAsync(client, "evict-c", "db", Status(allowed: 0, current: 2, desired: 2));
        var response = await EvictAsync(client, "evict-c", "db-0");
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
        var status = await response.Content.ReadFromJsonAsync<JsonObject>(Token);
        Assert.Equal("The disruption budget db needs 2 healthy pods and has 2 currently", (string?)status!["details"]!["causes"]![0]!["message"]);
        Assert.Null((await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/evict-c/pods/db-0", Token))!["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task Evict_WithABudgetAllowingOne_DecrementsItAndRecordsTheDisruption()
    {
        using var client = sim.AdminClient();
        await RunningPodAsync(client, "evict-d", "api-0", "worker-3", new JsonObject { ["app"] = "api" });
        await BudgetAsync(client, "evict-d", "api", Status(allowed: 1, current: 3, desired: 2));
        Assert.Equal(HttpStatusCode.Created, (await EvictAsync(client, "evict-d", "api-0")).StatusCode);
        var pdb = await client.GetFromJsonAsync<JsonObject>("/apis/policy/v1/namespaces/evict-d/poddisruptionbudgets/api", Token);
        Assert.Equal(0, (int?)pdb!["status"]!["disruptionsAllowed"]);
        Assert.NotNull(pdb["status"]!["disruptedPods"]!["api-0"]);
    }

    [Fact]
    public async Task KubectlDrain_EvictsThePodsAndReportsTheBudgetThatBlocks()
    {
        using var client = sim.AdminClient();
        await RunningPodAsync(client, "drain", "lonely", "worker-3", new JsonObject { ["app"] = "lonely" });
        var drained = await sim.KubectlAsync("drain", "worker-3", "--force", "--grace-period=0", "--timeout=20s");
        Assert.True(drained.ExitCode == 0, drained.Stderr);
        Assert.Contains("node/worker-3 cordoned", drained.Stdout, StringComparison.Ordinal);
        Assert.Contains("evicting pod drain/lonely", drained.Stdout + drained.Stderr, StringComparison.Ordinal);
        Assert.Contains("node/worker-3 drained", drained.Stdout, StringComparison.Ordinal);

        await RunningPodAsync(client, "drain", "guarded", "worker-1", new JsonObject { ["app"] = "guarded" });
        await BudgetAsync(client, "drain", "guarded", Status(allowed: 0, current: 1, desired: 1));
        var blocked = await sim.KubectlAsync("drain", "worker-1", "--force", "--grace-period=0", "--timeout=3s");
        Assert.NotEqual(0, blocked.ExitCode);
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget.", blocked.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (await sim.KubectlAsync("uncordon", "worker-1")).ExitCode);
    }

    private static JsonObject Status(int allowed, int current, int desired) => new()
    {
        ["observedGeneration"] = 1, ["disruptionsAllowed"] = allowed, ["currentHealthy"] = current, ["desiredHealthy"] = desired, ["expectedPods"] = current,
    };

    private static async Task BudgetAsync(HttpClient client, string ns, string app, JsonObject? status)
    {
        var created = await CreateAsync(client, $"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = app },
            ["spec"] = new JsonObject { ["minAvailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } } },
        });
        if (status is not null)
        {
            created["status"] = status;
            var put = await client.PutAsJsonAsync($"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets/{app}/status", created, Token);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
    }

    private static Task<HttpResponseMessage> EvictAsync(HttpClient client, string ns, string pod) =>
        client.PostAsJsonAsync($"/api/v1/namespaces/{ns}/pods/{pod}/eviction", new JsonObject
        {
            ["apiVersion"] = "policy/v1", ["kind"] = "Eviction", ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = ns },
        }, Token);

    /// <summary>A pod bound to a node, Running and Ready (written through pods/status, as a kubelet would).</summary>
    private static async Task RunningPodAsync(HttpClient client, string ns, string name, string node, JsonObject labels)
    {
        await client.PostAsJsonAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, Token);
        var pod = await CreateAsync(client, $"/api/v1/namespaces/{ns}/pods", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx:1.27" }) },
        });
        pod["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
        };
        var put = await client.PutAsJsonAsync($"/api/v1/namespaces/{ns}/pods/{name}/status", pod, Token);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    private static async Task<JsonObject> CreateAsync(HttpClient client, string url, JsonObject body)
    {
        var response = await client.PostAsJsonAsync(url, body, Token);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Token))!;
    }
}
