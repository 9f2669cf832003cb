using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;
using Pitcrew.Etcd;

namespace Pitcrew.Sim.Storage;

/// <summary>An object as stored: its JSON and the etcd revision that last changed it (its resourceVersion).</summary>
internal sealed record StoredObject(string Key, byte[] Value, long ModRevision);

/// <summary>A page of a prefix listing read at one revision.</summary>
internal sealed record StoredPage(IReadOnlyList<StoredObject> Items, long Revision, bool More, long Remaining);

/// <summary>Objects in etcd as kube-apiserver keeps them: one key per object, optimistic concurrency by mod revision.</summary>
internal sealed class RegistryStore : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly KV.KVClient _kv;

    public RegistryStore(EtcdConnectionOptions options)
    {
        var endpoint = options.Endpoints[0];
        _channel = EtcdChannelFactory.Create(options, endpoint);
        _kv = new KV.KVClient(_channel);
    }

    public async Task<StoredObject?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await _kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, cancellationToken: cancellationToken);
        return response.Kvs.Count == 0 ? null : new StoredObject(key, response.Kvs[0].Value.ToByteArray(), response.Kvs[0].ModRevision);
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
        var items = response.Kvs.Select(kv => new StoredObject(kv.Key.ToStringUtf8(), kv.Value.ToByteArray(), kv.ModRevision)).ToList();
        return new StoredPage(items, response.Header.Revision, response.More, response.Count - items.Count);
    }

    /// <summary>Creates the key if absent; returns its revision, or null when it already exists.</summary>
    public async Task<long?> CreateAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value) } });
        var response = await _kv.TxnAsync(txn, cancellationToken: cancellationToken);
        return response.Succeeded ? response.Header.Revision : null;
    }

    /// <summary>Replaces the value if the key is still at expectedRevision; returns the new revision, or null on conflict.</summary>
    public async Task<long?> UpdateAsync(string key, byte[] value, long expectedRevision, CancellationToken cancellationToken)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedRevision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value) } });
        var response = await _kv.TxnAsync(txn, cancellationToken: cancellationToken);
        return response.Succeeded ? response.Header.Revision : null;
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

    /// <summary>Streams changes under the prefix from startRevision on, until cancelled.</summary>
    public async IAsyncEnumerable<StoreEvent> WatchAsync(
        string prefix, long startRevision, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
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

        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            var response = call.ResponseStream.Current;
            if (response.CompactRevision != 0)
            {
                throw new RevisionCompactedException(startRevision, response.CompactRevision);
            }

            foreach (var e in response.Events)
            {
                var deleted = e.Type == Mvccpb.Event.Types.EventType.Delete;
                var value = deleted ? e.PrevKv?.Value.ToByteArray() ?? [] : e.Kv.Value.ToByteArray();
                var previous = e.PrevKv is { } prev && prev.Value.Length > 0 ? prev.Value.ToByteArray() : null;
                yield return new StoreEvent(deleted, e.Kv.Key.ToStringUtf8(), value, e.Kv.ModRevision, !deleted && e.Kv.CreateRevision == e.Kv.ModRevision, previous);
            }
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
