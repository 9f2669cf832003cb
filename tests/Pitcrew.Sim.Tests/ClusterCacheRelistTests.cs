using System.Text.Json.Nodes;
using Pitcrew.Etcd;
using Pitcrew.Sim.Controllers;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Tests;

/// <summary>
/// The controllers' cache over a real etcd that restarts under it: the relist after the broken watch is swapped in whole,
/// so a reader never sees the cache half filled (a Job once started a fourth pod for three completions when it did).
/// </summary>
public sealed class ClusterCacheRelistTests
{
    private const int Pods = 12_000;
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterEtcdRestarts_TheCacheRelists_AndNoReaderEverSeesItPartlyEmpty()
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-cache-relist-").FullName;
        try
        {
            await using var etcd = await LocalEtcd.StartAsync(Path.Combine(dir, "etcd"), "cache", TimeProvider.System, Token);
            using var store = new RegistryStore(new EtcdConnectionOptions([etcd.ClientUrl], CommandTimeout: TimeSpan.FromSeconds(10)));
            await Parallel.ForEachAsync(Enumerable.Range(0, Pods), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Token }, async (i, ct) =>
                await store.CreateAsync($"/registry/pods/ns/p-{i:D5}", new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = $"p-{i:D5}", ["namespace"] = "ns", ["uid"] = $"uid-{i}" },
                }, ct));

            var cache = new ClusterCache(store);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
            var ready = new TaskCompletionSource();
            var running = cache.RunAsync(ready, stop.Token);
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), Token);
            Assert.Equal(Pods, cache.Count);

            // A reader polling the whole time etcd goes away and comes back, and the cache lists again.
            var least = long.MaxValue;
            var sawOwner = true;
            using var stopReading = new CancellationTokenSource();
            var reader = Task.Run(() =>
            {
                while (!stopReading.IsCancellationRequested)
                {
                    least = Math.Min(least, cache.List(Resources.Pods).Count);
                    sawOwner &= cache.Exists($"uid-{Pods - 1}");
                }
            }, Token);

            await etcd.StopAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), Token);
            await etcd.RestartAsync(Token);
            var until = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    await store.CreateAsync("/registry/pods/ns/after-restart", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "after-restart", ["uid"] = "uid-after" } }, Token);
                    break;
                }
                catch (Grpc.Core.RpcException) when (DateTime.UtcNow < until)
                {
                    // The restarted member's port may take a moment to answer.
                    await Task.Delay(100, Token);
                }
            }

            while (!cache.Exists("uid-after") && DateTime.UtcNow < until)
            {
                await Task.Delay(50, Token);
            }

            await stopReading.CancelAsync();
            await reader;
            await stop.CancelAsync();
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);

            Assert.True(cache.Exists("uid-after"), "the cache did not follow etcd after its restart");
            Assert.Equal(Pods + 1, cache.Count);
            Assert.Equal(Pods, least);
            Assert.True(sawOwner, "an object vanished from the cache while it relisted");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
