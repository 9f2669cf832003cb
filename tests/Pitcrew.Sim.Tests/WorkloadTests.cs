using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>Deployments, ReplicaSets, DaemonSets and garbage collection, driven through the real kubectl.</summary>
public sealed class WorkloadTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deployment_RunsExactlyItsReplicasAndGarbageCollectsOnDelete()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "deploy")).ExitCode);
        var created = await sim.KubectlAsync("-n", "deploy", "create", "deployment", "web", "--image=nginx:1.27", "--replicas=3");
        Assert.True(created.ExitCode == 0, created.Stderr);

        await UntilAsync(async () => (await sim.KubectlAsync("-n", "deploy", "get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");
        var table = await sim.KubectlAsync("-n", "deploy", "get", "deployment", "web");
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3/3\s+3\s+3\s", table.Stdout);
        Assert.Equal(0, (await sim.KubectlAsync("-n", "deploy", "create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=2")).ExitCode);
        await UntilAsync(async () =>
            System.Text.RegularExpressions.Regex.IsMatch((await sim.KubectlAsync("-n", "deploy", "get", "pdb", "web")).Stdout, @"web\s+2\s+N/A\s+1\s"));
        var pods = await sim.KubectlAsync("-n", "deploy", "get", "pods", "-o", "name");
        var names = pods.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, names.Length);
        Assert.All(names, n => Assert.Matches("^pod/web-[a-z0-9]{10}-[a-z0-9]{5}$", n));

        Assert.Equal(0, (await sim.KubectlAsync("-n", "deploy", "delete", "deployment", "web")).ExitCode);
        await UntilAsync(async () =>
            (await sim.KubectlAsync("-n", "deploy", "get", "pods,replicasets", "-o", "name")).Stdout.Trim().Length == 0);
    }

    [Fact]
    public async Task Drain_IgnoringDaemonSets_MovesDeploymentPodsAndLeavesDaemonPods()
    {
        using var client = sim.AdminClient();
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "drainds")).ExitCode);
        await CreateDaemonSetAsync(client, "drainds", "agent", "agent:1");
        Assert.Equal(0, (await sim.KubectlAsync("-n", "drainds", "create", "deployment", "api", "--image=api:1", "--replicas=3")).ExitCode);
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "drainds", "get", "daemonset", "agent", "-o", "jsonpath={.status.numberReady}")).Stdout == "3");
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "drainds", "get", "deployment", "api", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");

        var drain = await sim.KubectlAsync("drain", "worker-1", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=30s");
        Assert.True(drain.ExitCode == 0, drain.Stderr);
        Assert.Contains("Warning: ignoring DaemonSet-managed Pods: drainds/agent-", drain.Stderr, StringComparison.Ordinal);
        Assert.Contains("node/worker-1 drained", drain.Stdout, StringComparison.Ordinal);

        await UntilAsync(async () => (await sim.KubectlAsync("-n", "drainds", "get", "deployment", "api", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");
        var onNode = await sim.KubectlAsync("-n", "drainds", "get", "pods", "--field-selector=spec.nodeName=worker-1", "-o", "name");
        var remaining = onNode.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(remaining, p => Assert.StartsWith("pod/agent-", p, StringComparison.Ordinal));
        Assert.Single(remaining);
        Assert.Equal(0, (await sim.KubectlAsync("uncordon", "worker-1")).ExitCode);
    }

    [Fact]
    public async Task DaemonSet_NewImage_RollsOutNodeByNode_WithAtMostOneNodeWithoutAnAvailablePod()
    {
        using var client = sim.AdminClient();
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "rollds")).ExitCode);
        await CreateDaemonSetAsync(client, "rollds", "proxy", "proxy:1");
        var nodes = 0;
        await UntilAsync(async () =>
        {
            var (ready, desired) = await DaemonSetCountsAsync(client);
            nodes = desired;
            return desired > 1 && ready == desired;
        });
        Assert.Equal("RollingUpdate", (await sim.KubectlAsync("-n", "rollds", "get", "ds", "proxy", "-o", "jsonpath={.spec.updateStrategy.type}")).Stdout);

        Assert.Equal(0, (await sim.KubectlAsync("-n", "rollds", "set", "image", "ds/proxy", "proxy=proxy:2")).ExitCode);
        var rollout = sim.KubectlAsync("-n", "rollds", "rollout", "status", "ds/proxy", "--timeout=60s");
        var fewest = nodes;
        while (!rollout.IsCompleted)
        {
            fewest = Math.Min(fewest, (await AvailablePodsAsync(client)).Nodes);
            await Task.Delay(50, Token);
        }

        var status = await rollout;
        Assert.True(status.ExitCode == 0, status.Stderr + status.Stdout);
        Assert.Contains("daemon set \"proxy\" successfully rolled out", status.Stdout, StringComparison.Ordinal);
        Assert.True(fewest >= nodes - 1, $"{nodes - fewest} nodes were without an available pod at once (maxUnavailable 1)");
        var (_, images) = await AvailablePodsAsync(client);
        Assert.Equal(Enumerable.Repeat("proxy:2", nodes), images);
        var wide = await sim.KubectlAsync("-n", "rollds", "get", "ds", "proxy", "-o", "wide", "--no-headers");
        Assert.Matches($@"^proxy\s+{nodes}\s+{nodes}\s+{nodes}\s+{nodes}\s+{nodes}\s+<none>\s+\S+\s+proxy\s+proxy:2\s+app=proxy\s*$", wide.Stdout);
        Assert.Equal(0, (await sim.KubectlAsync("delete", "namespace", "rollds", "--wait=false")).ExitCode);
    }

    /// <summary>A DaemonSet of one container, labelled app=NAME, through the API (kubectl has no create daemonset).</summary>
    private static async Task CreateDaemonSetAsync(HttpClient client, string ns, string name, string image)
    {
        var created = await client.PostAsJsonAsync($"/apis/apps/v1/namespaces/{ns}/daemonsets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = image }) },
                },
            },
        }, Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static async Task<(int Ready, int Desired)> DaemonSetCountsAsync(HttpClient client)
    {
        var ds = await client.GetFromJsonAsync<JsonObject>("/apis/apps/v1/namespaces/rollds/daemonsets/proxy", Token);
        return ((int?)ds?["status"]?["numberReady"] ?? 0, (int?)ds?["status"]?["desiredNumberScheduled"] ?? 0);
    }

    /// <summary>How many nodes have a Ready pod that is not being deleted, and those pods' images.</summary>
    private static async Task<(int Nodes, List<string> Images)> AvailablePodsAsync(HttpClient client)
    {
        var list = await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/rollds/pods", Token);
        var available = (list?["items"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => p["metadata"]?["deletionTimestamp"] is null
                && (p["status"]?["conditions"] as JsonArray ?? []).Any(c => (string?)c?["type"] == "Ready" && (string?)c?["status"] == "True"))
            .ToList();
        return (available.Select(p => (string?)p["spec"]?["nodeName"]).Distinct().Count(),
            [.. available.Select(p => (string)p["spec"]!["containers"]![0]!["image"]!)]);
    }

    [Fact]
    public async Task KubectlApply_CreatesThenPatchesADeploymentWhosePodsRun()
    {
        var manifest = Path.Combine(sim.Root, "shopfront.yaml");
        string Yaml(int replicas) => $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: shopfront
              namespace: default
            spec:
              replicas: {{replicas}}
              selector:
                matchLabels: {app: shopfront}
              template:
                metadata:
                  labels: {app: shopfront}
                spec:
                  containers:
                  - name: web
                    image: nginx:1.27
            """;
        await File.WriteAllTextAsync(manifest, Yaml(2), Token);
        var created = await sim.KubectlAsync("apply", "-f", manifest);
        Assert.True(created.ExitCode == 0, created.Stderr);
        Assert.Equal("deployment.apps/shopfront created", created.Stdout.Trim());
        await UntilAsync(async () => (await sim.KubectlAsync("get", "deployment", "shopfront", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "2");

        await File.WriteAllTextAsync(manifest, Yaml(3), Token);
        var configured = await sim.KubectlAsync("apply", "-f", manifest);
        Assert.Equal("deployment.apps/shopfront configured", configured.Stdout.Trim());
        await UntilAsync(async () => (await sim.KubectlAsync("get", "deployment", "shopfront", "-o", "jsonpath={.status.readyReplicas}")).Stdout == "3");

        var wide = await sim.KubectlAsync("get", "deployment", "shopfront", "-o", "wide");
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR", wide.Stdout);
        Assert.Matches(@"shopfront\s+3/3\s+3\s+3\s+\S+\s+web\s+nginx:1\.27\s+app=shopfront", wide.Stdout);
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Bound);
        while (!await condition())
        {
            await Task.Delay(250, timeout.Token);
        }
    }
}
