using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>The official Python client against the sim: paging, watch, conflicts, eviction and Status errors as it sees them.</summary>
public sealed class PythonClientTests(StaticSimulatorFixture sim) : IClassFixture<StaticSimulatorFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private Task<JsonObject> CheckAsync(string check, string ns) => PythonClient.CheckAsync(sim.Sim.KubeconfigPath, check, ns, Token);

    [Fact]
    public async Task List_InPagesOfThree_FollowsContinueTokensAtOneRevision()
    {
        var pages = (await CheckAsync("paging", "py-paging"))["pages"]!.AsArray();
        Assert.Equal([["cm-0", "cm-1", "cm-2"], ["cm-3", "cm-4", "cm-5"], ["cm-6"]],
            pages.Select(p => p!["names"]!.AsArray().Select(n => (string)n!).ToArray()).ToArray());
        Assert.Equal([4L, 1L, null], pages.Select(p => (long?)p!["remaining"]).ToArray());
        Assert.Single(pages.Select(p => (string?)p!["resourceVersion"]).Distinct());
    }

    [Fact]
    public async Task Watch_WithWatchTrue_SeesAddedModifiedAndDeleted()
    {
        var events = (await CheckAsync("watch", "py-watch"))["events"]!.AsArray();
        Assert.Equal(["ADDED watched 1", "MODIFIED watched 2", "DELETED watched 2"],
            events.Select(e => $"{(string?)e!["type"]} {(string?)e["name"]} {(string?)e["data"]?["v"]}").ToArray());
    }

    [Fact]
    public async Task Replace_WithAStaleResourceVersion_RaisesApiException409Conflict()
    {
        var stale = (await CheckAsync("conflict", "py-conflict"))["stale"]!;
        Assert.Equal(409, (int?)stale["status"]);
        Assert.Equal("Conflict", (string?)stale["reason"]);
        Assert.Equal(
            "Operation cannot be fulfilled on configmaps \"cas\": the object has been modified; please apply your changes to the latest version and try again",
            (string?)stale["message"]);
    }

    [Fact]
    public async Task Eviction_Answers201WithoutABudgetAnd429UnderOneAllowingNone()
    {
        var result = await CheckAsync("eviction", "py-evict");
        Assert.Equal(201, (int?)result["free"]!["status"]);
        var guarded = result["guarded"]!;
        Assert.Equal(429, (int?)guarded["status"]);
        Assert.Equal("TooManyRequests", (string?)guarded["reason"]);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", (string?)guarded["message"]);
        Assert.False((bool?)result["guardedDeleting"]);
    }

    [Fact]
    public async Task Read_OfAMissingObject_RaisesApiException404WithANotFoundStatus()
    {
        var missing = await CheckAsync("notfound", "default");
        Assert.Equal(404, (int?)missing["status"]);
        Assert.Equal("Status", (string?)missing["kind"]);
        Assert.Equal("NotFound", (string?)missing["reason"]);
        Assert.Equal("configmaps \"absent\" not found", (string?)missing["message"]);
    }
}
