using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Tests;

/// <summary>Boolean query parameters read as kube-apiserver reads them (apimachinery's query conversion; ParseBool for pretty).</summary>
public sealed class QueryFlagsTests(StaticSimulatorFixture sim) : IClassFixture<StaticSimulatorFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("yes", true)]
    [InlineData("", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("FALSE", false)]
    [InlineData("fAlSe", false)]
    [InlineData("0", false)]
    public void ListOptionValue_IsFalseOnlyForZeroAndFalseInAnyCase(string value, bool expected) =>
        Assert.Equal(expected, QueryFlags.ListOptionValue(value));

    [Theory]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("T", true)]
    [InlineData("TRUE", true)]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("f", false)]
    [InlineData("F", false)]
    [InlineData("FALSE", false)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("tRUE", null)]
    [InlineData("yes", null)]
    [InlineData("2", null)]
    public void ParseBool_AcceptsGosSpellingsOnly(string value, bool? expected) => Assert.Equal(expected, QueryFlags.ParseBool(value));

    [Theory]
    [InlineData("True", true)]
    [InlineData("1", true)]
    [InlineData("t", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    public async Task Get_WithWatchSpelledAnyWay_WatchesOrListsAsKubeApiserverDoes(string value, bool watches)
    {
        using var client = sim.AdminClient();
        await client.PostAsJsonAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "flags" } }, Token);
        await client.PostAsJsonAsync("/api/v1/namespaces/flags/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "one" } }, Token);

        var response = await client.GetAsync($"/api/v1/namespaces/flags/configmaps?watch={value}&timeoutSeconds=1", Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync(Token)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var first = JsonNode.Parse(lines[0])!;
        if (watches)
        {
            Assert.Equal("ADDED", (string?)first["type"]);
            Assert.Equal("one", (string?)first["object"]!["metadata"]!["name"]);
        }
        else
        {
            Assert.Equal("ConfigMapList", (string?)first["kind"]);
        }
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("T", true)]
    [InlineData("0", false)]
    [InlineData("yes", false)]
    public async Task Get_WithPretty_IndentsOnlyWhatParseBoolReadsAsTrue(string value, bool indented)
    {
        using var client = sim.AdminClient();
        var single = await client.GetStringAsync($"/api/v1/namespaces/default?pretty={value}", Token);
        var list = await client.GetStringAsync($"/api/v1/namespaces?pretty={value}", Token);
        Assert.Equal(indented, single.Contains('\n', StringComparison.Ordinal));
        Assert.Equal(indented, list.Contains('\n', StringComparison.Ordinal));
    }
}
