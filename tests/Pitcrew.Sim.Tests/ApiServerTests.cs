using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Pitcrew.Sim.Tests;

/// <summary>The API server's wire behaviour: auth, Status errors, paging, optimistic concurrency, the official client.</summary>
public sealed class ApiServerTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_WithoutClientCertificate_Gets401Status()
    {
        using var client = sim.AdminClient(withCertificate: false);
        var response = await client.GetAsync("/api/v1/nodes", Token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<JsonObject>(Token);
        Assert.Equal("Status", (string?)status!["kind"]);
        Assert.Equal(401, (int?)status["code"]);
    }

    [Fact]
    public async Task UnknownPathAndObject_GetNotFoundStatus()
    {
        using var client = sim.AdminClient();
        var path = await client.GetAsync("/api/v1/frobs", Token);
        Assert.Equal(HttpStatusCode.NotFound, path.StatusCode);
        var response = await client.GetAsync("/api/v1/nodes/nope", Token);
        var status = await response.Content.ReadFromJsonAsync<JsonObject>(Token);
        Assert.Equal("nodes \"nope\" not found", (string?)status!["message"]);
        Assert.Equal("NotFound", (string?)status["reason"]);
    }

    [Fact]
    public async Task Update_WithStaleResourceVersion_GetsConflict()
    {
        using var client = sim.AdminClient();
        var created = await client.PostAsJsonAsync("/api/v1/namespaces/default/configmaps",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "cas" }, ["data"] = new JsonObject { ["v"] = "1" } }, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var obj = (await created.Content.ReadFromJsonAsync<JsonObject>(Token))!;

        obj["data"]!["v"] = "2";
        var first = await client.PutAsJsonAsync("/api/v1/namespaces/default/configmaps/cas", obj, Token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stale = await client.PutAsJsonAsync("/api/v1/namespaces/default/configmaps/cas", obj, Token);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("Conflict", (string?)(await stale.Content.ReadFromJsonAsync<JsonObject>(Token))!["reason"]);
    }

    [Fact]
    public async Task KubernetesClient_ListsWithPagingAtOneRevision()
    {
        using var client = sim.AdminClient();
        for (var i = 0; i < 12; i++)
        {
            var response = await client.PostAsJsonAsync("/api/v1/namespaces/kube-public/configmaps",
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"page-{i:D2}" } }, Token);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Sim.KubeconfigPath));
        var names = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await kube.CoreV1.ListNamespacedConfigMapAsync("kube-public", limit: 5, continueParameter: next, cancellationToken: Token);
            names.AddRange(page.Items.Select(c => c.Metadata.Name));
            next = page.Metadata.ContinueProperty;
            pages++;
        }
        while (!string.IsNullOrEmpty(next));

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"page-{i:D2}"), names);
        var nodes = await kube.CoreV1.ListNodeAsync(cancellationToken: Token);
        Assert.Contains(nodes.Items, n => n.Metadata.Name == "worker-3" && n.Status.NodeInfo.KubeletVersion == "v1.31.2");
    }

    [Fact]
    public async Task Metrics_CountRequestsByVerbResourceAndClient()
    {
        Assert.Equal(0, (await sim.KubectlAsync("get", "nodes")).ExitCode);
        Assert.Equal(0, (await sim.KubectlAsync("get", "node", "cp-1")).ExitCode);
        using var client = sim.AdminClient();
        var text = await client.GetStringAsync("/metrics", Token);
        Assert.Contains("# TYPE apiserver_request_total counter", text, StringComparison.Ordinal);
        Assert.Matches("apiserver_request_total\\{verb=\"LIST\",resource=\"nodes\",client=\"kubectl\"\\} [1-9]", text);
        Assert.Matches("apiserver_request_total\\{verb=\"GET\",resource=\"nodes\",client=\"kubectl\"\\} [1-9]", text);
    }
}
