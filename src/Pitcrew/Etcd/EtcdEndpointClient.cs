using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Pitcrew.Etcd;

/// <summary>A client for one etcd member: status, health, member list and the snapshot stream.</summary>
internal sealed class EtcdEndpointClient : IDisposable
{
    private readonly EtcdConnectionOptions _options;
    private readonly GrpcChannel _channel;
    private string? _token;

    public EtcdEndpointClient(EtcdConnectionOptions options, string endpoint)
    {
        _options = options;
        Endpoint = endpoint;
        _channel = EtcdChannelFactory.Create(options, endpoint);
    }

    public string Endpoint { get; }

    public async Task<EndpointStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var status = await maintenance.StatusAsync(new StatusRequest(), headers, Deadline(), cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> alarms;
        try
        {
            alarms = await AlarmsAsync(headers, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            // Alarms go through raft and fail without a leader; the member's own status is still worth showing.
            alarms = [$"alarms unknown: {EtcdErrors.Reason(Endpoint, e)}"];
        }

        return new EndpointStatus(
            Endpoint,
            status.Header.MemberId,
            status.Header.ClusterId,
            status.Version,
            status.DbSize,
            status.DbSizeInUse,
            status.Leader,
            status.IsLearner,
            status.RaftTerm,
            status.RaftIndex,
            status.RaftAppliedIndex,
            status.Header.Revision,
            [.. status.Errors],
            alarms,
            null);
    }

    /// <summary>Reads key "health" linearizably; permission denied still proves a quorum answered.</summary>
    public async Task<EndpointHealth> HealthAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
            var kv = new KV.KVClient(_channel);
            try
            {
                await kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("health") }, headers, Deadline(), cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.PermissionDenied)
            {
                // An authenticated user without read access: the request still went through raft.
            }

            var took = time.GetElapsedTime(started);
            var alarms = await AlarmsAsync(headers, cancellationToken).ConfigureAwait(false);
            return alarms.Count > 0
                ? new EndpointHealth(Endpoint, false, took, $"Active Alarm(s): {string.Join(", ", alarms)}")
                : new EndpointHealth(Endpoint, true, took, null);
        }
        catch (Exception e) when (e is RpcException or Errors.PitcrewException && !cancellationToken.IsCancellationRequested)
        {
            return new EndpointHealth(Endpoint, false, time.GetElapsedTime(started), EtcdErrors.Reason(Endpoint, e));
        }
    }

    public async Task<IReadOnlyList<Member>> MembersAsync(CancellationToken cancellationToken)
    {
        var cluster = new Etcdserverpb.Cluster.ClusterClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await cluster.MemberListAsync(new MemberListRequest(), headers, Deadline(), cancellationToken).ConfigureAwait(false);
        return [.. response.Members];
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        var kv = new KV.KVClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value.Span) }, headers, Deadline(), cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var kv = new KV.KVClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        await kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) }, headers, Deadline(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Maintenance.HashKV at a revision (0: the current one): the hash, the compacted revision and the header's revision.</summary>
    public async Task<(uint Hash, long CompactRevision, long Revision)> HashKvAsync(long revision, CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await maintenance.HashKVAsync(new HashKVRequest { Revision = revision }, headers, Deadline(), cancellationToken).ConfigureAwait(false);
        return (response.Hash, response.CompactRevision, response.Header.Revision);
    }

    /// <summary>Every key (no values) at a revision, read serializably in pages.</summary>
    public async Task<IReadOnlyList<byte[]>> KeysAsync(long revision, CancellationToken cancellationToken)
    {
        const int pageSize = 10_000;
        var kv = new KV.KVClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<byte[]>();
        var from = ByteString.CopyFrom(0);
        while (true)
        {
            var response = await kv.RangeAsync(new RangeRequest
            {
                Key = from, RangeEnd = ByteString.CopyFrom(0), Revision = revision, KeysOnly = true, Serializable = true, Limit = pageSize,
            }, headers, Deadline(), cancellationToken).ConfigureAwait(false);
            keys.AddRange(response.Kvs.Select(k => k.Key.ToByteArray()));
            if (!response.More || response.Kvs.Count == 0)
            {
                return keys;
            }

            // The next page starts just after the last key: the key with a zero byte appended.
            from = ByteString.CopyFrom([.. response.Kvs[^1].Key.Span, 0]);
        }
    }

    /// <summary>Opens the snapshot stream; no deadline unless a command timeout was set explicitly.</summary>
    public async Task<AsyncServerStreamingCall<SnapshotChunk>> SnapshotAsync(CancellationToken cancellationToken)
    {
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        return _channel.CreateCallInvoker().AsyncServerStreamingCall(
            SnapshotChunk.Method, null, new CallOptions(headers, Deadline(), cancellationToken), new SnapshotRequest());
    }

    public void Dispose() => _channel.Dispose();

    private async Task<IReadOnlyList<string>> AlarmsAsync(Metadata? headers, CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var response = await maintenance.AlarmAsync(new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, headers, Deadline(), cancellationToken)
            .ConfigureAwait(false);
        return [.. response.Alarms.Select(a => $"memberID:{a.MemberID:x} alarm:{a.Alarm.ToString().ToUpperInvariant()}")];
    }

    private DateTime? Deadline() =>
        _options.CommandTimeout is { } timeout ? DateTime.UtcNow + timeout : null;

    private async Task<Metadata?> HeadersAsync(CancellationToken cancellationToken)
    {
        if (_options.User is null)
        {
            return null;
        }

        if (_token is null)
        {
            var (name, password) = SplitUser(_options.User, _options.Password);
            var auth = new Auth.AuthClient(_channel);
            var response = await auth.AuthenticateAsync(new AuthenticateRequest { Name = name, Password = password }, null, Deadline(), cancellationToken)
                .ConfigureAwait(false);
            _token = response.Token;
        }

        return new Metadata { { "token", _token } };
    }

    /// <summary>etcdctl accepts --user name:password, or --user name with --password.</summary>
    private static (string Name, string Password) SplitUser(string user, string? password)
    {
        if (password is not null)
        {
            return (user, password);
        }

        var colon = user.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new Errors.PitcrewException("--user needs a password: use --user name:password or --password", Errors.ExitCodes.Usage);
        }

        return (user[..colon], user[(colon + 1)..]);
    }
}
