using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>The API server and its controllers ride out etcd being stopped and started again underneath them.</summary>
public sealed class EtcdRestartTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhileEtcdIsDown_TheApiAnswers503Status_AndRecoversWhenItIsBack()
    {
        using var client = sim.AdminClient();
        var etcd = sim.Sim.Etcd.Members[0].Process;
        await etcd.StopAsync();

        var down = await client.GetAsync("/api/v1/nodes", Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        var status = await down.Content.ReadFromJsonAsync<JsonObject>(Token);
        Assert.Equal("Status", (string?)status!["kind"]);
        Assert.StartsWith("etcd is unavailable", (string?)status["message"], StringComparison.Ordinal);

        await etcd.RestartAsync(Token);
        var nodes = await sim.KubectlAsync("get", "nodes", "--no-headers");
        Assert.True(nodes.ExitCode == 0, nodes.Stderr);
        Assert.Equal(4, nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        // The controllers follow again too: a new pod is scheduled and started.
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "after")).ExitCode);
        var created = await client.PostAsJsonAsync("/api/v1/namespaces/after/pods", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "p" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) },
        }, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while ((string?)(await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/after/pods/p", timeout.Token))!["status"]?["phase"] != "Running")
        {
            await Task.Delay(250, timeout.Token);
        }
    }
}
