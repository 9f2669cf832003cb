using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// An informer over the whole registry: every object under /registry/, kept current from one etcd watch, with a
/// change counter controllers wait on. Controllers read here and write through the store with optimistic concurrency.
/// </summary>
internal sealed class ClusterCache(RegistryStore store)
{
    private readonly ConcurrentDictionary<string, (JsonObject Object, long Revision)> _objects = new(StringComparer.Ordinal);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Loads everything, then follows changes until cancelled (restarting the watch if etcd goes away).</summary>
    public async Task RunAsync(TaskCompletionSource ready, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var page = await store.ListAsync("/registry/", null, 0, 0, cancellationToken).ConfigureAwait(false);
                _objects.Clear();
                foreach (var item in page.Items)
                {
                    _objects[item.Key] = (Parse(item.Value, item.ModRevision), item.ModRevision);
                }

                Signal();
                ready.TrySetResult();
                await foreach (var change in store.WatchAsync("/registry/", page.Revision + 1, cancellationToken).ConfigureAwait(false))
                {
                    if (change.Deleted)
                    {
                        _objects.TryRemove(change.Key, out _);
                    }
                    else
                    {
                        _objects[change.Key] = (Parse(change.Value, change.ModRevision), change.ModRevision);
                    }

                    Signal();
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or RevisionCompactedException && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Completes at the next change after this call.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>Copies of the objects of a resource, optionally in one namespace.</summary>
    public IReadOnlyList<JsonObject> List(ApiResource resource, string? ns = null)
    {
        var prefix = ns is null ? resource.KeyPrefix : $"{resource.KeyPrefix}{ns}/";
        return [.. _objects.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(p => (JsonObject)p.Value.Object.DeepClone())];
    }

    /// <summary>The uids of every object, for owner lookups.</summary>
    public HashSet<string> AllUids() =>
        _objects.Values.Select(v => (string?)ObjectMeta.Metadata(v.Object)["uid"]).OfType<string>().ToHashSet(StringComparer.Ordinal);

    private void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private static JsonObject Parse(byte[] value, long revision)
    {
        var obj = JsonNode.Parse(value)!.AsObject();
        ObjectMeta.SetResourceVersion(obj, revision);
        return obj;
    }
}
