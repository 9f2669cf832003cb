using System.Collections.Concurrent;
using System.Collections.Immutable;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>
/// The API server's watch cache for lists, as kube-apiserver serves consistent lists from its cache (ConsistentListFromCache)
/// and their continuations from cache snapshots: every object under /registry/ (events too) as its stored bytes, kept
/// current from one etcd watch. A list without a continue token asks etcd for its current revision and is served once
/// the cache has seen every change up to it, from a snapshot at the cache's revision; the continuations of that list
/// (the token carries the revision) are served from the same snapshot for a minute. Whenever the cache cannot answer
/// (loading, behind, snapshot gone) the caller reads etcd, as before.
/// </summary>
internal sealed class ListCache(RegistryStore store)
{
    private const string Root = "/registry/";
    private const int LoadChunk = 10_000;
    private const int MaxSnapshots = 32;
    private static readonly TimeSpan CatchUpWait = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SnapshotLifetime = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ImmutableSortedDictionary<string, RegistryEntry>> _byResource = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Prefix, long Revision), Snapshot> _snapshots = new();
    private long _revision;
    private TaskCompletionSource _advanced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Loads everything, then follows changes until cancelled (listing again if the watch fails).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                lock (_gate)
                {
                    _revision = 0;
                    _byResource.Clear();
                }

                _snapshots.Clear();
                var page = await store.ListAsync(Root, null, LoadChunk, 0, cancellationToken).ConfigureAwait(false);
                var revision = page.Revision;
                var loaded = new Dictionary<string, ImmutableSortedDictionary<string, RegistryEntry>.Builder>(StringComparer.Ordinal);
                while (true)
                {
                    foreach (var item in page.Items)
                    {
                        if (Group(item.Key) is { } group)
                        {
                            if (!loaded.TryGetValue(group, out var builder))
                            {
                                loaded[group] = builder = ImmutableSortedDictionary.CreateBuilder<string, RegistryEntry>(StringComparer.Ordinal);
                            }

                            builder[item.Key] = item;
                        }
                    }

                    if (!page.More || page.Items.Count == 0)
                    {
                        break;
                    }

                    page = await store.ListAsync(Root, page.Items[^1].Key + "\0", LoadChunk, revision, cancellationToken).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    foreach (var (group, builder) in loaded)
                    {
                        _byResource[group] = builder.ToImmutable();
                    }

                    Advance(revision);
                }

                await foreach (var change in store.WatchAsync(Root, revision + 1, cancellationToken, batchEnds: true).ConfigureAwait(false))
                {
                    Apply(change);
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or RevisionCompactedException && !cancellationToken.IsCancellationRequested)
            {
                SimLog.Warn($"list cache: {e.GetType().Name}: {e.Message}; listing again");
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// A page as etcd would give it for a range read under the prefix from startKey at the revision (0: a consistent read
    /// of the latest), at most limit keys (0: all); null when the cache cannot give it.
    /// </summary>
    public async Task<StoredPage?> TryListAsync(string prefix, string? startKey, long limit, long revision, CancellationToken cancellationToken)
    {
        Snapshot? snapshot;
        if (revision == 0)
        {
            var latest = await store.RevisionAsync(cancellationToken).ConfigureAwait(false);
            snapshot = await SnapshotAsync(prefix, latest, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            snapshot = _snapshots.GetValueOrDefault((prefix, revision));
        }

        return snapshot?.Page(startKey, limit);
    }

    private async Task<Snapshot?> SnapshotAsync(string prefix, long atLeast, CancellationToken cancellationToken)
    {
        var deadline = Environment.TickCount64 + (long)CatchUpWait.TotalMilliseconds;
        while (true)
        {
            Task advanced;
            ImmutableSortedDictionary<string, RegistryEntry>? objects = null;
            long revision;
            lock (_gate)
            {
                revision = _revision;
                advanced = _advanced.Task;
                if (revision >= atLeast && Group(prefix) is { } group)
                {
                    objects = _byResource.GetValueOrDefault(group) ?? ImmutableSortedDictionary.Create<string, RegistryEntry>(StringComparer.Ordinal);
                }
            }

            if (objects is not null)
            {
                return _snapshots.GetOrAdd((prefix, revision), _ => Taken(prefix, revision, objects));
            }

            var left = deadline - Environment.TickCount64;
            if (revision == 0 || left <= 0 || Group(prefix) is null)
            {
                return null;
            }

            await Task.WhenAny(advanced, Task.Delay(TimeSpan.FromMilliseconds(left), cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The objects under the prefix at the revision, in key order; older snapshots are dropped.</summary>
    private Snapshot Taken(string prefix, long revision, ImmutableSortedDictionary<string, RegistryEntry> objects)
    {
        var now = Environment.TickCount64;
        foreach (var (key, old) in _snapshots)
        {
            if (now - old.Taken > SnapshotLifetime.TotalMilliseconds)
            {
                _snapshots.TryRemove(key, out _);
            }
        }

        if (_snapshots.Count >= MaxSnapshots && _snapshots.MinBy(s => s.Value.Taken) is var (oldest, _))
        {
            _snapshots.TryRemove(oldest, out _);
        }

        var items = prefix == Group(prefix) ? objects.Values.ToArray() : [.. objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).Select(o => o.Value)];
        return new Snapshot(items, revision, now);
    }

    private void Apply(StoreEvent change)
    {
        lock (_gate)
        {
            if (change.Progress)
            {
                Advance(change.ModRevision);
                return;
            }

            if (Group(change.Key) is not { } group)
            {
                return;
            }

            var objects = _byResource.GetValueOrDefault(group) ?? ImmutableSortedDictionary.Create<string, RegistryEntry>(StringComparer.Ordinal);
            _byResource[group] = change.Deleted ? objects.Remove(change.Key) : objects.SetItem(change.Key, new RegistryEntry(change.Key, change.Value, change.ModRevision));
        }
    }

    /// <summary>Every change up to the revision is in (called under the lock).</summary>
    private void Advance(long revision)
    {
        if (revision > _revision)
        {
            _revision = revision;
            Interlocked.Exchange(ref _advanced, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>"/registry/pods/" for "/registry/pods/ns/name" or "/registry/pods/": the part of a key naming its resource.</summary>
    private static string? Group(string key)
    {
        if (!key.StartsWith(Root, StringComparison.Ordinal))
        {
            return null;
        }

        var end = key.IndexOf('/', Root.Length);
        return end < 0 ? null : key[..(end + 1)];
    }

    /// <summary>The objects under one prefix at one revision, in key order.</summary>
    private sealed class Snapshot(RegistryEntry[] items, long revision, long taken)
    {
        public long Taken => taken;

        public StoredPage Page(string? startKey, long limit)
        {
            var from = startKey is null ? 0 : LowerBound(startKey);
            var take = limit == 0 ? items.Length - from : (int)Math.Min(limit, items.Length - from);
            var rest = items.Length - from - take;
            return new StoredPage(new ArraySegment<RegistryEntry>(items, from, take), revision, rest > 0 && limit > 0, rest);
        }

        /// <summary>The index of the first key at or after the given one (ordinal order, as etcd's byte order for these keys).</summary>
        private int LowerBound(string key)
        {
            int low = 0, high = items.Length;
            while (low < high)
            {
                var middle = (low + high) / 2;
                if (string.CompareOrdinal(items[middle].Key, key) < 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }
}
