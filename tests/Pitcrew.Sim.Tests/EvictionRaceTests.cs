using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;
using Pitcrew.Sim.Controllers;
using Pitcrew.Sim.Storage;
using Pitcrew.Testing;

namespace Pitcrew.Sim.Tests;

/// <summary>
/// The eviction subresource against a pod that changes between the evictor's read of it and its deletion, on a real etcd:
/// a pod let go without its budget (pending, or unready while the budget is healthy) must not be deleted once it has
/// become Ready, because the budget may meanwhile have counted it healthy and let another pod go on its account.
/// </summary>
public sealed class EvictionRaceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string, bool, bool> Cases => new()
    {
        // The phase of the unready pod as read, whether it became Ready before its deletion, whether it must be deleted.
        { "Pending", true, false },
        { "Running", true, false },
        { "Pending", false, true },
        { "Running", false, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Evict_OfAPodLetGoWithoutItsBudget_DeletesItOnlyIfItDidNotBecomeReadySinceRead(string phase, bool becameReady, bool deleted)
    {
        await using var etcd = await EtcdFixture.StartAsync(cancellationToken: Token).WaitAsync(Bound, Token);
        using var store = new RegistryStore(etcd.Connection());
        var deleter = new Deleter(store, TimeProvider.System);
        var writer = new ObjectWriter(store, deleter);
        var evictor = new Evictor(store, deleter, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;

        // The budget wants one healthy pod and has it (the other pod, already counted): no disruption left to spend.
        var budget = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "api" },
            ["spec"] = new JsonObject { ["minAvailable"] = 1, ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "api" } } },
        };
        Assert.NotNull(await writer.CreateAsync(Resources.Budgets, budget, "shop", now, Token).WaitAsync(Bound, Token));
        var storedBudget = (await store.GetAsync(Resources.Budgets.KeyFor("shop", "api"), Token).WaitAsync(Bound, Token))!;
        var withStatus = JsonNode.Parse(storedBudget.Value)!.AsObject();
        withStatus["status"] = new JsonObject
        {
            ["observedGeneration"] = ObjectMeta.Metadata(withStatus)["generation"]?.DeepClone() ?? 1,
            ["disruptionsAllowed"] = 0, ["currentHealthy"] = 1, ["desiredHealthy"] = 1, ["expectedPods"] = 2,
        };
        Assert.NotNull(await store.UpdateAsync(storedBudget.Key, withStatus, storedBudget.ModRevision, Token).WaitAsync(Bound, Token));

        var pod = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "api-2", ["labels"] = new JsonObject { ["app"] = "api" } },
            ["spec"] = new JsonObject { ["nodeName"] = "worker-1", ["containers"] = new JsonArray(new JsonObject { ["name"] = "api", ["image"] = "busybox:1.36" }) },
            ["status"] = new JsonObject { ["phase"] = phase, ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "False" }) },
        };
        Assert.NotNull(await writer.CreateAsync(Resources.Pods, pod, "shop", now, Token).WaitAsync(Bound, Token));
        var key = Resources.Pods.KeyFor("shop", "api-2");
        var read = (await store.GetAsync(key, Token).WaitAsync(Bound, Token))!;

        if (becameReady)
        {
            // What the kubelet writes between the evictor's read and its deletion: the pod started and passed readiness.
            var started = JsonNode.Parse(read.Value)!.AsObject();
            started["status"] = new JsonObject { ["phase"] = "Running", ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }) };
            Assert.NotNull(await store.UpdateAsync(key, started, read.ModRevision, Token).WaitAsync(Bound, Token));
        }

        var outcome = await Record.ExceptionAsync(() => evictor.EvictAsync("shop", "api-2", read, new DeleteOptions(null, null, null, null), Token).WaitAsync(Bound, Token));
        var after = JsonNode.Parse((await store.GetAsync(key, Token).WaitAsync(Bound, Token))!.Value)!.AsObject();
        if (deleted)
        {
            Assert.Null(outcome);
            Assert.NotNull(ObjectMeta.Metadata(after)["deletionTimestamp"]);
        }
        else
        {
            var refused = Assert.IsType<ApiStatus>(outcome);
            Assert.Equal(429, refused.Code);
            Assert.Null(ObjectMeta.Metadata(after)["deletionTimestamp"]);
        }
    }
}
