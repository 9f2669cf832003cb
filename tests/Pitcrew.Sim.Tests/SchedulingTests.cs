using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Tests;

/// <summary>Rolling updates, the scheduler's filters and taint-based eviction, seen through the real kubectl and the API.</summary>
public sealed class SchedulingTests(FastSimulatorFixture sim) : IClassFixture<FastSimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RollingUpdate_StaysWithinSurgeAndUnavailability_AndKubectlSeesItRollOut()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "roll")).ExitCode);
        using var client = sim.AdminClient();
        var created = await client.PostAsJsonAsync("/apis/apps/v1/namespaces/roll/deployments", Deployment("web", 4, "web:1", maxSurge: 1, maxUnavailable: 0), Token);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "roll", "get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}")).Stdout == "4");

        var image = await sim.KubectlAsync("-n", "roll", "set", "image", "deployment/web", "web=web:2");
        Assert.True(image.ExitCode == 0, image.Stderr);

        // Sample the pods while the rollout runs: never more than 4 + 1 live, never fewer than 4 ready.
        var (mostLive, fewestReady) = (0, int.MaxValue);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(Bound);
        while (true)
        {
            var pods = (await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/roll/pods", deadline.Token))!["items"]!.AsArray().OfType<JsonObject>()
                .Where(p => p["metadata"]!["deletionTimestamp"] is null).ToList();
            mostLive = Math.Max(mostLive, pods.Count);
            var ready = pods.Count(p => p["status"]?["conditions"]?.AsArray().Any(c => (string?)c!["type"] == "Ready" && (string?)c["status"] == "True") == true);
            fewestReady = Math.Min(fewestReady, ready);
            if (pods.Count == 4 && ready == 4 && pods.All(p => (string?)p["spec"]!["containers"]![0]!["image"] == "web:2"))
            {
                break;
            }

            await Task.Delay(50, deadline.Token);
        }

        Assert.InRange(mostLive, 5, 5);
        Assert.Equal(4, fewestReady);
        var status = await sim.KubectlAsync("-n", "roll", "rollout", "status", "deployment/web", "--timeout=30s");
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("deployment \"web\" successfully rolled out", status.Stdout, StringComparison.Ordinal);
        var history = await sim.KubectlAsync("-n", "roll", "rollout", "history", "deployment/web");
        Assert.True(history.ExitCode == 0, history.Stderr);
        Assert.Matches(@"REVISION\s+CHANGE-CAUSE\s*\n1\s+<none>\s*\n2\s+<none>", history.Stdout);
        var events = await sim.KubectlAsync("-n", "roll", "get", "events", "--field-selector=reason=ScalingReplicaSet", "-o", "jsonpath={.items[*].message}");
        Assert.Matches(@"Scaled down replica set web-[a-z0-9]+ to 0 from 1", events.Stdout);
    }

    [Fact]
    public async Task Recreate_RemovesEveryOldPodBeforeStartingNewOnes()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "recreate")).ExitCode);
        using var client = sim.AdminClient();
        var deployment = Deployment("db", 2, "db:1");
        deployment["spec"]!["strategy"] = new JsonObject { ["type"] = "Recreate" };
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/apis/apps/v1/namespaces/recreate/deployments", deployment, Token)).StatusCode);
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "recreate", "get", "deployment", "db", "-o", "jsonpath={.status.availableReplicas}")).Stdout == "2");
        Assert.Equal(0, (await sim.KubectlAsync("-n", "recreate", "set", "image", "deployment/db", "db=db:2")).ExitCode);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Token);
        deadline.CancelAfter(Bound);
        while (true)
        {
            var images = (await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/recreate/pods", deadline.Token))!["items"]!.AsArray()
                .Select(p => (string?)p!["spec"]!["containers"]![0]!["image"]).ToList();
            Assert.False(images.Contains("db:1") && images.Contains("db:2"), "old and new pods ran side by side: " + string.Join(",", images));
            if (images.Count == 2 && images.All(i => i == "db:2"))
            {
                break;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    [Fact]
    public async Task Scheduler_HonoursRequiredAffinityAndReportsInsufficientCpu()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "sched")).ExitCode);
        using var client = sim.AdminClient();
        var pinned = Pod("pinned", new JsonObject
        {
            ["nodeAffinity"] = new JsonObject
            {
                ["requiredDuringSchedulingIgnoredDuringExecution"] = new JsonObject
                {
                    ["nodeSelectorTerms"] = new JsonArray(new JsonObject
                    {
                        ["matchExpressions"] = new JsonArray(new JsonObject
                        {
                            ["key"] = "kubernetes.io/hostname", ["operator"] = "In", ["values"] = new JsonArray("worker-2"),
                        }),
                    }),
                },
            },
        }, null);
        var greedy = Pod("greedy", null, "100");
        foreach (var pod in new[] { pinned, greedy })
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/namespaces/sched/pods", pod, Token)).StatusCode);
        }

        await UntilAsync(async () => (await sim.KubectlAsync("-n", "sched", "get", "pod", "pinned", "-o", "jsonpath={.status.phase}")).Stdout == "Running");
        Assert.Equal("worker-2", (await sim.KubectlAsync("-n", "sched", "get", "pod", "pinned", "-o", "jsonpath={.spec.nodeName}")).Stdout);

        await UntilAsync(async () => (await sim.KubectlAsync("-n", "sched", "get", "events", "--field-selector=reason=FailedScheduling", "-o", "name")).Stdout.Length > 0);
        var message = await sim.KubectlAsync("-n", "sched", "get", "events", "--field-selector=reason=FailedScheduling", "-o", "jsonpath={.items[0].message}");
        Assert.Equal("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu.", message.Stdout);
        var describe = await sim.KubectlAsync("-n", "sched", "describe", "pod", "greedy");
        Assert.Matches(@"Status:\s+Pending", describe.Stdout);
        Assert.Contains("node.kubernetes.io/unreachable:NoExecute op=Exists for 300s", describe.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoExecuteTaint_EvictsIntolerantPodsAtOnceAndTolerantOnesAfterTheirSeconds()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "taints")).ExitCode);
        using var client = sim.AdminClient();
        var intolerant = Pod("intolerant", null, null, "worker-3");
        var patient = Pod("patient", null, null, "worker-3");
        var stubborn = Pod("stubborn", null, null, "worker-3");
        patient["spec"]!["tolerations"] = new JsonArray(new JsonObject { ["key"] = "maintenance", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 3 });
        stubborn["spec"]!["tolerations"] = new JsonArray(new JsonObject { ["key"] = "maintenance", ["operator"] = "Exists", ["effect"] = "NoExecute" });
        foreach (var pod in new[] { intolerant, patient, stubborn })
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/v1/namespaces/taints/pods", pod, Token)).StatusCode);
        }

        await UntilAsync(async () => (await sim.KubectlAsync("-n", "taints", "get", "pods", "--field-selector=status.phase=Running", "-o", "name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3);
        var taint = await sim.KubectlAsync("taint", "node", "worker-3", "maintenance=now:NoExecute");
        Assert.True(taint.ExitCode == 0, taint.Stderr);
        var tainted = DateTimeOffset.UtcNow;

        await UntilAsync(async () => (await sim.KubectlAsync("-n", "taints", "get", "pod", "intolerant", "--ignore-not-found", "-o", "name")).Stdout.Length == 0);
        Assert.Equal("pod/patient", (await sim.KubectlAsync("-n", "taints", "get", "pod", "patient", "--ignore-not-found", "-o", "name")).Stdout.Trim());
        await UntilAsync(async () => (await sim.KubectlAsync("-n", "taints", "get", "pod", "patient", "--ignore-not-found", "-o", "name")).Stdout.Length == 0);
        Assert.True(DateTimeOffset.UtcNow - tainted >= TimeSpan.FromSeconds(3), "the tolerating pod went before its tolerationSeconds");
        Assert.Equal("pod/stubborn", (await sim.KubectlAsync("-n", "taints", "get", "pod", "stubborn", "-o", "name")).Stdout.Trim());
        var events = await sim.KubectlAsync("-n", "taints", "get", "events", "--field-selector=reason=TaintManagerEviction", "-o", "jsonpath={.items[*].message}");
        Assert.Contains("Marking for deletion Pod taints/intolerant", events.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await sim.KubectlAsync("taint", "node", "worker-3", "maintenance-")).ExitCode);
    }

    private static JsonObject Deployment(string name, int replicas, string image, int? maxSurge = null, int? maxUnavailable = null)
    {
        var deployment = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["replicas"] = replicas,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = image }) },
                },
            },
        };
        if (maxSurge is not null)
        {
            deployment["spec"]!["strategy"] = new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxSurge"] = maxSurge, ["maxUnavailable"] = maxUnavailable },
            };
        }

        return deployment;
    }

    private static JsonObject Pod(string name, JsonObject? affinity, string? cpu, string? node = null)
    {
        var container = new JsonObject { ["name"] = "main", ["image"] = "app:1" };
        if (cpu is not null)
        {
            container["resources"] = new JsonObject { ["requests"] = new JsonObject { ["cpu"] = cpu } };
        }

        var spec = new JsonObject { ["containers"] = new JsonArray(container) };
        if (affinity is not null)
        {
            spec["affinity"] = affinity;
        }

        if (node is not null)
        {
            spec["nodeName"] = node;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Bound);
        while (!await condition())
        {
            await Task.Delay(200, timeout.Token);
        }
    }
}
