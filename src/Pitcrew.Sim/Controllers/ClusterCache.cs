using System.Collections.Concurrent;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// An informer over the registry: every object under /registry/ (events aside: no controller reads them), indexed by
/// resource and kept current from one etcd watch, with a change counter controllers wait on. The objects handed out are
/// shared and must not be modified: a controller clones (<see cref="Copy"/>) what it changes and writes the copy through
/// the store with optimistic concurrency. Lease renewals do not count as changes (only time-based work reads them).
/// A relist (after the watch broke) is built aside and swapped in whole: controllers never see a half-filled cache (a Job
/// seeing its pods missing would start more; the garbage collector seeing an owner missing would delete its dependents).
/// </summary>
internal sealed class ClusterCache(RegistryStore store)
{
    private const string Root = "/registry/";
    private static readonly string[] Unwatched = ["/registry/events/"];
    private static readonly string[] Quiet = ["/registry/leases/"];

    private State _state = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Keys per read when the cache lists the registry.</summary>
    private const int ListChunk = 10_000;

    /// <summary>Loads everything, then follows changes until cancelled (restarting the watch if etcd goes away).</summary>
    public async Task RunAsync(TaskCompletionSource ready, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // In pages at one revision: at 150,000 pods the registry is far too big for one response.
                var page = await store.ListAsync(Root, null, ListChunk, 0, cancellationToken).ConfigureAwait(false);
                var revision = page.Revision;
                var listed = new State();
                while (true)
                {
                    foreach (var item in page.Items)
                    {
                        listed.Put(item.Key, item.Value, item.ModRevision);
                    }

                    if (!page.More || page.Items.Count == 0)
                    {
                        break;
                    }

                    page = await store.ListAsync(Root, page.Items[^1].Key + "\0", ListChunk, revision, cancellationToken).ConfigureAwait(false);
                }

                Volatile.Write(ref _state, listed);
                Signal();
                ready.TrySetResult();
                await foreach (var change in store.WatchAsync(Root, revision + 1, cancellationToken).ConfigureAwait(false))
                {
                    var quiet = Quiet.Any(q => change.Key.StartsWith(q, StringComparison.Ordinal));
                    if (change.Deleted)
                    {
                        listed.Remove(change.Key);
                    }
                    else
                    {
                        listed.Put(change.Key, change.Value, change.ModRevision);
                    }

                    if (!quiet)
                    {
                        Signal();
                    }
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or RevisionCompactedException && !cancellationToken.IsCancellationRequested)
            {
                SimLog.Warn($"cache: {e.GetType().Name}: {e.Message}; listing again");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Completes at the next change after this call.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    /// <summary>How many objects the cache holds.</summary>
    public long Count => Volatile.Read(ref _state).Count;

    /// <summary>The (shared, read-only) objects of a resource, optionally in one namespace.</summary>
    public IReadOnlyList<JsonObject> List(ApiResource resource, string? ns = null)
    {
        if (ResourcePrefix(resource.KeyPrefix) is not { } group || !Volatile.Read(ref _state).ByResource.TryGetValue(group, out var objects))
        {
            return [];
        }

        if (ns is null && group == resource.KeyPrefix)
        {
            return [.. objects.Values];
        }

        var prefix = ns is null ? resource.KeyPrefix : $"{resource.KeyPrefix}{ns}/";
        return [.. objects.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p.Value)];
    }

    /// <summary>Whether an object with this uid exists (owner lookups).</summary>
    public bool Exists(string uid) => Volatile.Read(ref _state).Uids.ContainsKey(uid);

    /// <summary>A private copy of a cached object, to change and write back.</summary>
    public static JsonObject Copy(JsonObject obj) => (JsonObject)obj.DeepClone();

    /// <summary>The objects by resource and their uids: filled by one list, then kept by the watch.</summary>
    private sealed class State
    {
        private long _objects;

        public ConcurrentDictionary<string, ConcurrentDictionary<string, JsonObject>> ByResource { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, string> Uids { get; } = new(StringComparer.Ordinal);

        public long Count => Interlocked.Read(ref _objects);

        public void Put(string key, byte[] value, long revision)
        {
            if (Unwatched.Any(u => key.StartsWith(u, StringComparison.Ordinal)) || ResourcePrefix(key) is not { } prefix)
            {
                return;
            }

            var obj = JsonNode.Parse(value)!.AsObject();
            ObjectMeta.SetResourceVersion(obj, revision);
            var objects = ByResource.GetOrAdd(prefix, _ => new ConcurrentDictionary<string, JsonObject>(StringComparer.Ordinal));
            if (objects.TryGetValue(key, out var old))
            {
                ForgetUid(old);
            }
            else
            {
                Interlocked.Increment(ref _objects);
            }

            objects[key] = obj;
            if ((string?)ObjectMeta.Metadata(obj)["uid"] is { } uid)
            {
                Uids[uid] = key;
            }
        }

        public void Remove(string key)
        {
            if (ResourcePrefix(key) is { } prefix && ByResource.TryGetValue(prefix, out var objects) && objects.TryRemove(key, out var old))
            {
                Interlocked.Decrement(ref _objects);
                ForgetUid(old);
            }
        }

        private void ForgetUid(JsonObject obj)
        {
            if ((string?)ObjectMeta.Metadata(obj)["uid"] is { } uid)
            {
                Uids.TryRemove(uid, out _);
            }
        }
    }

    /// <summary>"/registry/pods/" for "/registry/pods/ns/name": the resource part of a key.</summary>
    private static string? ResourcePrefix(string key)
    {
        var end = key.IndexOf('/', Root.Length);
        return end < 0 ? null : key[..(end + 1)];
    }

    private void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
