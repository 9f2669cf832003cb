using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Etcdserverpb;
using Grpc.Net.Client;
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
    public async Task List_ReadsItsOwnWritesAndContinuesAtTheFirstPagesRevision_EvenPastACompaction()
    {
        using var client = sim.AdminClient();
        for (var i = 0; i < 6; i++)
        {
            var created = await client.PostAsJsonAsync("/api/v1/namespaces/list-cache/configmaps",
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"lc-{i:D2}" }, ["data"] = new JsonObject { ["v"] = "a+b<c>" } }, Token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        // A list right after the writes sees them all (a consistent read), each object with its own resourceVersion.
        var all = await ListAsync(client, "/api/v1/namespaces/list-cache/configmaps");
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"lc-{i:D2}"), Names(all));
        var single = (await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/list-cache/configmaps/lc-02", Token))!;
        Assert.Equal((string?)single["metadata"]!["resourceVersion"], (string?)all["items"]![2]!["metadata"]!["resourceVersion"]);
        Assert.Equal("a+b<c>", (string?)all["items"]![2]!["data"]!["v"]);

        var first = await ListAsync(client, "/api/v1/namespaces/list-cache/configmaps?limit=3");
        Assert.Equal(["lc-00", "lc-01", "lc-02"], Names(first));
        Assert.Equal(3, (int?)first["metadata"]!["remainingItemCount"]);
        // kube-apiserver's order: a client can ask for the next page as soon as it has read the continue token.
        Assert.Equal(["kind", "apiVersion", "metadata", "items"], first.Select(p => p.Key));
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync("/api/v1/namespaces/list-cache/configmaps/lc-04", Token)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/namespaces/list-cache/configmaps",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "lc-06" } }, Token)).StatusCode);
        using (var channel = GrpcChannel.ForAddress(sim.Sim.EtcdEndpoint))
        {
            var kv = new KV.KVClient(channel);
            var revision = (await kv.RangeAsync(new RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("/") }, cancellationToken: Token)).Header.Revision;
            await kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, cancellationToken: Token);
        }

        // The continuation is served at the first page's revision (from the cache's snapshot: etcd has compacted it away).
        var rest = await ListAsync(client, $"/api/v1/namespaces/list-cache/configmaps?limit=3&continue={Uri.EscapeDataString((string)first["metadata"]!["continue"]!)}");
        Assert.Equal(["lc-03", "lc-04", "lc-05"], Names(rest));
        Assert.Equal((string?)first["metadata"]!["resourceVersion"], (string?)rest["metadata"]!["resourceVersion"]);
        Assert.Null(rest["metadata"]!["continue"]);

        // A continuation at a revision neither the cache nor etcd still has is 410 Expired, as kube-apiserver says it.
        var stale = Uri.EscapeDataString(Pitcrew.Sim.Api.ContinueToken.Encode(2, "list-cache/lc-00"));
        var expired = await client.GetAsync($"/api/v1/namespaces/list-cache/configmaps?limit=3&continue={stale}", Token);
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Equal("Expired", (string?)(await expired.Content.ReadFromJsonAsync<JsonObject>(Token))!["reason"]);

        var after = await ListAsync(client, "/api/v1/namespaces/list-cache/configmaps?labelSelector=&fieldSelector=metadata.name!=lc-00");
        Assert.Equal(["lc-01", "lc-02", "lc-03", "lc-05", "lc-06"], Names(after));
    }

    private static async Task<JsonObject> ListAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Token))!;
    }

    private static List<string?> Names(JsonObject list) => [.. list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"])];

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
