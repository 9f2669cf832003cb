using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>kube-apiserver leaves unset optional fields out; the sim must not serve them as null, in any resource it lists.</summary>
public sealed class NoNullsTests(DemoSimulatorFixture sim) : IClassFixture<DemoSimulatorFixture>
{
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EveryListInDiscovery_OnTheDemoScenario_HoldsNoNullValue()
    {
        using var client = sim.AdminClient();
        await WaitForDaemonSetPodsAsync(client);

        var nulls = new List<string>();
        var listed = new List<string>();
        foreach (var (groupVersionPath, resource) in await ListableResourcesAsync(client))
        {
            var url = $"{groupVersionPath}/{resource}";
            var response = await client.GetAsync(url, Token);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Token)}");
            var list = (await response.Content.ReadFromJsonAsync<JsonObject>(Token))!;
            var items = list["items"]?.AsArray() ?? throw new InvalidOperationException($"{url} has no items array");
            listed.Add($"{url} ({items.Count})");
            foreach (var item in items)
            {
                var name = $"{url} {(string?)item?["metadata"]?["namespace"]}/{(string?)item?["metadata"]?["name"]}";
                CollectNulls(item, name, nulls);
            }
        }

        Assert.Contains(listed, l => l.StartsWith("/api/v1/pods ", StringComparison.Ordinal));
        Assert.Contains(listed, l => l.StartsWith("/apis/apps/v1/daemonsets ", StringComparison.Ordinal));
        Assert.True(nulls.Count == 0, $"null values served:\n{string.Join('\n', nulls.Take(40))}\n(lists: {string.Join(", ", listed)})");
    }

    /// <summary>Every resource (not subresource) with the list verb, from legacy discovery: /api/v1 and each preferred and other version under /apis.</summary>
    private static async Task<List<(string GroupVersionPath, string Resource)>> ListableResourcesAsync(HttpClient client)
    {
        var paths = new List<string>();
        var core = await client.GetFromJsonAsync<JsonObject>("/api", Token);
        paths.AddRange(core!["versions"]!.AsArray().Select(v => $"/api/{(string?)v}"));
        var groups = await client.GetFromJsonAsync<JsonObject>("/apis", Token);
        foreach (var group in groups!["groups"]!.AsArray())
        {
            paths.AddRange(group!["versions"]!.AsArray().Select(v => $"/apis/{(string?)v!["groupVersion"]}"));
        }

        var resources = new List<(string, string)>();
        foreach (var path in paths)
        {
            var list = await client.GetFromJsonAsync<JsonObject>(path, Token);
            foreach (var resource in list!["resources"]!.AsArray())
            {
                var name = (string)resource!["name"]!;
                if (!name.Contains('/', StringComparison.Ordinal) && resource["verbs"]!.AsArray().Any(v => (string?)v == "list"))
                {
                    resources.Add((path, name));
                }
            }
        }

        return resources;
    }

    private static void CollectNulls(JsonNode? node, string path, List<string> nulls)
    {
        switch (node)
        {
            case null:
                nulls.Add(path);
                break;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    CollectNulls(value, $"{path}.{key}", nulls);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    CollectNulls(array[i], $"{path}[{i}]", nulls);
                }

                break;
        }
    }

    /// <summary>The demo's DaemonSets have made their pods (the objects the issue saw with "annotations": null).</summary>
    private static async Task WaitForDaemonSetPodsAsync(HttpClient client)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(Token);
        limit.CancelAfter(SettleLimit);
        while (true)
        {
            var pods = await client.GetFromJsonAsync<JsonObject>("/api/v1/pods", limit.Token);
            if (pods!["items"]!.AsArray().Any(p => p?["metadata"]?["ownerReferences"]?.AsArray().Any(o => (string?)o?["kind"] == "DaemonSet") == true))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), limit.Token);
        }
    }
}
