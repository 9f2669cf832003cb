using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Pitcrew.Sim.Tests;

/// <summary>Watch bookmarks (every second on this fixture) and sendInitialEvents watches.</summary>
public sealed class WatchBookmarkTests(ShortLivedSimulatorFixture sim) : IClassFixture<ShortLivedSimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KubernetesClient_WithBookmarksAllowed_GetsABookmarkAtOrAfterItsVersion()
    {
        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Sim.KubeconfigPath));
        await kube.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "before" } }, "bm-a", cancellationToken: Token);
        var list = await kube.CoreV1.ListNamespacedConfigMapAsync("bm-a", cancellationToken: Token);
        var start = long.Parse(list.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(Bound);

        V1ConfigMap? bookmark = null;
        await foreach (var (type, item) in kube.CoreV1.WatchListNamespacedConfigMapAsync(
            "bm-a", allowWatchBookmarks: true, resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancel.Token))
        {
            if (type == WatchEventType.Bookmark)
            {
                bookmark = item;
                break;
            }
        }

        Assert.NotNull(bookmark);
        Assert.True(long.Parse(bookmark.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) >= start);
        Assert.Null(bookmark.Metadata.Name);
    }

    [Fact]
    public async Task Watch_WithoutBookmarksAllowed_GetsNone()
    {
        using var client = sim.AdminClient();
        var list = (await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/bm-none/configmaps", Token))!;
        var rv = (string?)list["metadata"]!["resourceVersion"];

        // Three bookmark intervals pass before the server ends the watch.
        var body = await client.GetStringAsync($"/api/v1/namespaces/bm-none/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=3", Token).WaitAsync(Bound, Token);

        Assert.DoesNotContain("BOOKMARK", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendInitialEvents_YieldsTheExistingObjectsThenTheInitialEventsEndBookmark()
    {
        using var client = sim.AdminClient();
        foreach (var name in new[] { "one", "two" })
        {
            var created = await client.PostAsJsonAsync("/api/v1/namespaces/bm-init/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, Token);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(Bound);
        using var response = await client.GetAsync(
            "/api/v1/namespaces/bm-init/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true",
            HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var added = new List<(string Name, long Version)>();
        JsonNode? end = null;
        while (end is null && await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            var e = JsonNode.Parse(line)!;
            switch ((string?)e["type"])
            {
                case "ADDED":
                    added.Add(((string)e["object"]!["metadata"]!["name"]!, long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case "BOOKMARK":
                    end = e["object"];
                    break;
                default:
                    Assert.Fail($"unexpected event before the initial-events-end bookmark: {line}");
                    break;
            }
        }

        Assert.NotNull(end);
        Assert.Equal(["one", "two"], added.Select(a => a.Name));
        Assert.Equal("true", (string?)end["metadata"]!["annotations"]!["k8s.io/initial-events-end"]);
        Assert.Equal("ConfigMap", (string?)end["kind"]);
        Assert.True(long.Parse((string)end["metadata"]!["resourceVersion"]!, System.Globalization.CultureInfo.InvariantCulture) >= added.Max(a => a.Version));
    }

    [Theory]
    [InlineData("sendInitialEvents=true", "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")]
    [InlineData("resourceVersionMatch=NotOlderThan", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")]
    public async Task Watch_WithInconsistentInitialEventsOptions_Gets422Invalid(string options, string expected)
    {
        using var client = sim.AdminClient();
        var response = await client.GetAsync($"/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&{options}", Token);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var status = (await response.Content.ReadFromJsonAsync<JsonObject>(Token))!;
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal($"ListOptions.meta.k8s.io \"\" is invalid: {expected}", (string?)status["message"]);
    }
}
