using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Pitcrew.Etcd;

namespace Pitcrew.Sim.Storage;

/// <summary>An object as stored: its JSON and the etcd revision that last changed it (its resourceVersion).</summary>
internal sealed record RegistryEntry(string Key, byte[] Value, long ModRevision);

/// <summary>The URLs an etcd member's static pod names: client, and for a member the sim runs, peer and the initial cluster.</summary>
internal sealed record EtcdPodUrls(string ClientUrl, string? PeerUrl, string? InitialCluster);

/// <summary>A page of a prefix listing read at one revision.</summary>
internal sealed record StoredPage(IReadOnlyList<RegistryEntry> Items, long Revision, bool More, long Remaining);

/// <summary>Objects in etcd as kube-apiserver keeps them: one key per object, optimistic concurrency by mod revision.</summary>
internal sealed class RegistryStore : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;
    private readonly IReadOnlyList<(string Prefix, LeaseManager Leases)> _expiring;

    /// <summary>A store on every endpoint (<see cref="BalancedChannel"/>); keys under an expiring prefix are written with a lease of its TTL.</summary>
    public RegistryStore(EtcdConnectionOptions options, IReadOnlyList<KeyTtl>? expiring = null, TimeProvider? time = null)
    {
        Endpoint = options.Endpoints[0];
        _channel = BalancedChannel.Create(options);
        _kv = new KV.KVClient(_channel);
        var leases = new Lease.LeaseClient(_channel);
        _expiring = [.. (expiring ?? []).Select(e => (e.Prefix, new LeaseManager(leases, e.Ttl, time ?? TimeProvider.System)))];
    }

    /// <summary>The etcd client URL the store writes to: what the etcd mirror pods advertise.</summary>
    public string Endpoint { get; }

    /// <summary>The stacked member of each control-plane node, when the sim runs them (none: an etcd given from outside).</summary>
    public IReadOnlyDictionary<string, EtcdPodUrls> Members { get; init; } = new Dictionary<string, EtcdPodUrls>(StringComparer.Ordinal);

    /// <summary>What the etcd mirror pod of the node advertises: its own member, else the store's endpoint.</summary>
    public EtcdPodUrls EtcdUrlsOf(string node) => Members.TryGetValue(node, out var urls) ? urls : new EtcdPodUrls(Endpoint, null, null);

    /// <summary>How many leases the store has granted for expiring keys.</summary>
    public int LeasesGranted => _expiring.Sum(e => e.Leases.Granted);

    public async Task<RegistryEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, cancellationToken: cancellationToken);
        return response.Kvs.Count == 0 ? null : new RegistryEntry(key, response.Kvs[0].Value.ToByteArray(), response.Kvs[0].ModRevision);
    }

    /// <summary>Lists keys under the prefix from startKey (inclusive) at the revision (0 = latest), at most limit (0 = all).</summary>
    public async Task<StoredPage> ListAsync(string prefix, string? startKey, long limit, long revision, CancellationToken cancellationToken)
    {
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(startKey ?? prefix),
            RangeEnd = ByteString.CopyFrom(PrefixEnd(prefix)),
            Limit = limit,
            Revision = revision,
        };
        var response = await _kv.RangeAsync(request, cancellationToken: cancellationToken);
        var items = response.Kvs.Select(kv => new RegistryEntry(kv.Key.ToStringUtf8(), kv.Value.ToByteArray(), kv.ModRevision)).ToList();
        return new StoredPage(items, response.Header.Revision, response.More, response.Count - items.Count);
    }

    /// <summary>Creates the key if absent (the object stored as <see cref="Api.ApiJson"/> writes it); its revision, or null when it already exists.</summary>
    public Task<long?> CreateAsync(string key, System.Text.Json.Nodes.JsonObject obj, CancellationToken cancellationToken) =>
        CreateAsync(key, Api.ApiJson.Encode(obj), cancellationToken);

    /// <summary>Creates the key if absent, its value encoded by <see cref="Api.ApiJson.Encode"/>; its revision, or null when it already exists.</summary>
    public Task<long?> CreateAsync(string key, byte[] value, CancellationToken cancellationToken) =>
        PutAsync(key, value, new Compare { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }, cancellationToken);

    /// <summary>Replaces the object if the key is still at expectedRevision; returns the new revision, or null on conflict.</summary>
    public Task<long?> UpdateAsync(string key, System.Text.Json.Nodes.JsonObject obj, long expectedRevision, CancellationToken cancellationToken) =>
        UpdateAsync(key, Api.ApiJson.Encode(obj), expectedRevision, cancellationToken);

    /// <summary>Replaces the value (encoded by <see cref="Api.ApiJson.Encode"/>) if the key is still at expectedRevision; the new revision, or null on conflict.</summary>
    public Task<long?> UpdateAsync(string key, byte[] value, long expectedRevision, CancellationToken cancellationToken) =>
        PutAsync(key, value, new Compare { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedRevision }, cancellationToken);

    /// <summary>Puts the value if the comparison holds, on a lease when the key expires; its revision, or null when it does not hold.</summary>
    private async Task<long?> PutAsync(string key, byte[] value, Compare compare, CancellationToken cancellationToken)
    {
        LeaseManager? leases = _expiring.FirstOrDefault(e => key.StartsWith(e.Prefix, StringComparison.Ordinal)).Leases;
        for (var attempt = 1; ; attempt++)
        {
            var lease = leases is null ? 0 : await leases.LeaseAsync(cancellationToken).ConfigureAwait(false);
            var txn = new TxnRequest();
            txn.Compare.Add(compare);
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value), Lease = lease } });
            try
            {
                var response = await _kv.TxnAsync(txn, cancellationToken: cancellationToken);
                return response.Succeeded ? response.Header.Revision : null;
            }
            catch (RpcException e) when (leases is not null && attempt == 1 && e.StatusCode == StatusCode.NotFound)
            {
                // The lease is gone (revoked, or expired early after an etcd restart): write again on a new one.
                await leases.InvalidateAsync(lease, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes the key if still at expectedRevision; false on conflict.</summary>
    public async Task<bool> DeleteAsync(string key, long expectedRevision, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedRevision });
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) } });
        var response = await _kv.TxnAsync(txn, cancellationToken: cancellationToken);
        return response.Succeeded;
    }

    /// <summary>
    /// Streams changes under the prefix from startRevision on, until cancelled; given a progress interval, also a progress
    /// event on that period carrying a revision every change up to which has been streamed (etcd's progress notify).
    /// With <paramref name="batchEnds"/>, each response's changes are followed by a progress event at the last one's
    /// revision: etcd never splits a revision across responses, so every change up to it has then been streamed.
    /// </summary>
    public async IAsyncEnumerable<StoreEvent> WatchAsync(
        string prefix, long startRevision, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken,
        TimeSpan? progressInterval = null, TimeProvider? time = null, bool batchEnds = false)
    {
        using var call = new Watch.WatchClient(_channel).Watch(cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = ByteString.CopyFromUtf8(prefix),
                RangeEnd = ByteString.CopyFrom(PrefixEnd(prefix)),
                StartRevision = startRevision,
                PrevKv = true,
            },
        }, cancellationToken).ConfigureAwait(false);

        using var stopProgress = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var progress = progressInterval is { } interval
            ? RequestProgressAsync(call.RequestStream, interval, time ?? TimeProvider.System, stopProgress.Token)
            : Task.CompletedTask;
        try
        {
            while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                var response = call.ResponseStream.Current;
                if (response.CompactRevision != 0)
                {
                    throw new RevisionCompactedException(startRevision, response.CompactRevision);
                }

                if (response is { Events.Count: 0, Created: false, Canceled: false })
                {
                    yield return StoreEvent.ProgressAt(response.Header.Revision);
                }

                foreach (var e in response.Events)
                {
                    var deleted = e.Type == Mvccpb.Event.Types.EventType.Delete;
                    var value = deleted ? e.PrevKv?.Value.ToByteArray() ?? [] : e.Kv.Value.ToByteArray();
                    var previous = e.PrevKv is { } prev && prev.Value.Length > 0 ? prev.Value.ToByteArray() : null;
                    yield return new StoreEvent(deleted, e.Kv.Key.ToStringUtf8(), value, e.Kv.ModRevision, !deleted && e.Kv.CreateRevision == e.Kv.ModRevision, previous);
                }

                if (batchEnds && response.Events.Count > 0)
                {
                    yield return StoreEvent.ProgressAt(response.Events[^1].Kv.ModRevision);
                }
            }
        }
        finally
        {
            await stopProgress.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Asks etcd for a progress notification on every period (etcd answers once the watch has caught up).</summary>
    private static async Task RequestProgressAsync(IClientStreamWriter<WatchRequest> requests, TimeSpan interval, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await requests.WriteAsync(new WatchRequest { ProgressRequest = new WatchProgressRequest() }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The store's current revision.</summary>
    public async Task<long> RevisionAsync(CancellationToken cancellationToken)
    {
        var response = await _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/registry/"), Limit = 1, CountOnly = true }, cancellationToken: cancellationToken);
        return response.Header.Revision;
    }

    /// <summary>Discards history before the revision, as kube-apiserver's periodic compaction does.</summary>
    public async Task CompactAsync(long revision, CancellationToken cancellationToken) =>
        await _kv.CompactAsync(new CompactionRequest { Revision = revision }, cancellationToken: cancellationToken);

    public void Dispose() => _channel.Dispose();

    private static byte[] PrefixEnd(string prefix)
    {
        var end = System.Text.Encoding.UTF8.GetBytes(prefix);
        end[^1]++;
        return end;
    }
}
