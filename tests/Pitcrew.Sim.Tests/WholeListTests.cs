using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>A list without a limit, longer than one storage read: one response holding every object once, equal to its pages.</summary>
public sealed class WholeListTests(StaticSimulatorFixture sim) : IClassFixture<StaticSimulatorFixture>
{
    /// <summary>More than the 1,000 keys the server reads from storage at a time, so that the list spans several reads.</summary>
    private const int Objects = 1_250;
    private const string Namespace = "whole";
    private const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WholeList_OfMoreThanOneRead_HasEveryObjectOnceAndNoContinueToken()
    {
        using var client = sim.AdminClient();
        await CreateAsync(client);
        var list = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/namespaces/{Namespace}/configmaps", Token))!;
        var names = list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToList();
        Assert.Equal(Objects, names.Count);
        Assert.Equal(Objects, names.Distinct().Count());
        Assert.Null(list["metadata"]!["continue"]);
        Assert.Null(list["metadata"]!["remainingItemCount"]);

        var kubectl = await sim.KubectlAsync("get", "configmaps", "-n", Namespace, "--chunk-size=0", "--no-headers");
        Assert.True(kubectl.ExitCode == 0, kubectl.Stderr);
        Assert.Equal(Objects, kubectl.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task WholeTable_EqualsThePagedTablesRowsConcatenated()
    {
        using var client = sim.AdminClient();
        await CreateAsync(client);
        var whole = await TableAsync(client, null);
        Assert.Null(whole["metadata"]!["continue"]);

        var paged = new JsonArray();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await TableAsync(client, "limit=500" + (next is null ? string.Empty : "&continue=" + next));
            foreach (var row in page["rows"]!.AsArray())
            {
                paged.Add(row!.DeepClone());
            }

            next = (string?)page["metadata"]!["continue"];
            pages++;
        }
        while (next is not null);

        Assert.Equal(3, pages);
        var age = whole["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]).ToList().IndexOf("Age");
        Assert.Equal(Objects, whole["rows"]!.AsArray().Count);
        Assert.Equal(Rows(paged, age), Rows(whole["rows"]!.AsArray(), age));
    }

    /// <summary>The rows as text without the Age cell, which may tick between the two reads.</summary>
    private static List<string> Rows(JsonArray rows, int age) =>
        [.. rows.Select(r =>
        {
            var row = (JsonObject)r!.DeepClone();
            row["cells"]!.AsArray().RemoveAt(age);
            return row.ToJsonString();
        })];

    private static async Task<JsonObject> TableAsync(HttpClient client, string? query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{Namespace}/configmaps{(query is null ? string.Empty : "?" + query)}");
        request.Headers.Accept.Clear();
        request.Headers.TryAddWithoutValidation("Accept", TableAccept);
        using var response = await client.SendAsync(request, Token);
        Assert.Equal(new MediaTypeHeaderValue("application/json"), response.Content.Headers.ContentType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Token))!;
    }

    /// <summary>The namespace and its config maps, once per fixture (both tests may ask; the second finds them made).</summary>
    private static async Task CreateAsync(HttpClient client)
    {
        await client.PostAsJsonAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = Namespace } }, Token);
        await Parallel.ForEachAsync(Enumerable.Range(0, Objects), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Token }, async (i, ct) =>
        {
            using var created = await client.PostAsJsonAsync($"/api/v1/namespaces/{Namespace}/configmaps",
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"cm-{i:D4}" }, ["data"] = new JsonObject { ["i"] = i } }, ct);
        });
    }
}
