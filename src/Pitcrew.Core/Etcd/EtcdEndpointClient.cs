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
    private bool _answered;

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
        var status = await CallAsync(d => maintenance.StatusAsync(new StatusRequest(), headers, d, cancellationToken)).ConfigureAwait(false);
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
                await CallAsync(d => kv.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("health") }, headers, d, cancellationToken)).ConfigureAwait(false);
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
        var response = await CallAsync(d => cluster.MemberListAsync(new MemberListRequest(), headers, d, cancellationToken)).ConfigureAwait(false);
        return [.. response.Members];
    }

    /// <summary>Cluster.MemberAdd: a new member (a learner when asked) with these peer URLs; the answer lists every member, the new one unstarted.</summary>
    public async Task<MemberAddResponse> MemberAddAsync(IReadOnlyList<string> peerUrls, bool isLearner, CancellationToken cancellationToken)
    {
        var cluster = new Etcdserverpb.Cluster.ClusterClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var request = new MemberAddRequest { IsLearner = isLearner };
        request.PeerURLs.AddRange(peerUrls);
        return await CallAsync(d => cluster.MemberAddAsync(request, headers, d, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Cluster.MemberRemove; returns the cluster ID the answer carries.</summary>
    public async Task<ulong> MemberRemoveAsync(ulong id, CancellationToken cancellationToken)
    {
        var cluster = new Etcdserverpb.Cluster.ClusterClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await CallAsync(d => cluster.MemberRemoveAsync(new MemberRemoveRequest { ID = id }, headers, d, cancellationToken)).ConfigureAwait(false);
        return response.Header.ClusterId;
    }

    /// <summary>Cluster.MemberPromote: a learner becomes a voter; returns the cluster ID the answer carries.</summary>
    public async Task<ulong> MemberPromoteAsync(ulong id, CancellationToken cancellationToken)
    {
        var cluster = new Etcdserverpb.Cluster.ClusterClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await CallAsync(d => cluster.MemberPromoteAsync(new MemberPromoteRequest { ID = id }, headers, d, cancellationToken)).ConfigureAwait(false);
        return response.Header.ClusterId;
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        var kv = new KV.KVClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        await CallAsync(d => kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(value.Span) }, headers, d, cancellationToken))
            .ConfigureAwait(false);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var kv = new KV.KVClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        await CallAsync(d => kv.DeleteRangeAsync(new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(key) }, headers, d, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Maintenance.HashKV at a revision (0: the current one): the hash, the compacted revision and the header's revision.</summary>
    public async Task<(uint Hash, long CompactRevision, long Revision)> HashKvAsync(long revision, CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await CallAsync(d => maintenance.HashKVAsync(new HashKVRequest { Revision = revision }, headers, d, cancellationToken)).ConfigureAwait(false);
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
            var request = new RangeRequest
            {
                Key = from, RangeEnd = ByteString.CopyFrom(0), Revision = revision, KeysOnly = true, Serializable = true, Limit = pageSize,
            };
            var response = await CallAsync(d => kv.RangeAsync(request, headers, d, cancellationToken)).ConfigureAwait(false);
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

    /// <summary>Maintenance.Defragment on this member: it blocks reads and writes on this member while it rewrites its file.</summary>
    public async Task DefragmentAsync(CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        await CallAsync(d => maintenance.DefragmentAsync(new DefragmentRequest(), headers, d, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>KV.Compact: drops the history before the revision on every member (physical: waits until each member applied it).</summary>
    public async Task<long> CompactAsync(long revision, bool physical, CancellationToken cancellationToken)
    {
        var kv = new KV.KVClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await CallAsync(d => kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = physical }, headers, d, cancellationToken)).ConfigureAwait(false);
        return response.Header.Revision;
    }

    /// <summary>The cluster's active alarms (Maintenance.Alarm GET), each with the member that raised it.</summary>
    public async Task<IReadOnlyList<EtcdAlarm>> ListAlarmsAsync(CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var response = await CallAsync(d => maintenance.AlarmAsync(new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, headers, d, cancellationToken))
            .ConfigureAwait(false);
        return [.. response.Alarms.Select(a => new EtcdAlarm(a.MemberID, a.Alarm.ToString().ToUpperInvariant()))];
    }

    /// <summary>Disarms one alarm (Maintenance.Alarm DEACTIVATE); returns the alarms etcd says it deactivated.</summary>
    public async Task<IReadOnlyList<EtcdAlarm>> DisarmAsync(EtcdAlarm alarm, CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var headers = await HeadersAsync(cancellationToken).ConfigureAwait(false);
        var type = Enum.Parse<AlarmType>(alarm.Alarm, ignoreCase: true);
        var response = await CallAsync(d => maintenance.AlarmAsync(
            new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Deactivate, MemberID = alarm.MemberId, Alarm = type }, headers, d, cancellationToken)).ConfigureAwait(false);
        return [.. response.Alarms.Select(a => new EtcdAlarm(a.MemberID, a.Alarm.ToString().ToUpperInvariant()))];
    }

    private async Task<IReadOnlyList<string>> AlarmsAsync(Metadata? headers, CancellationToken cancellationToken)
    {
        var maintenance = new Maintenance.MaintenanceClient(_channel);
        var response = await CallAsync(d => maintenance.AlarmAsync(new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, headers, d, cancellationToken))
            .ConfigureAwait(false);
        return [.. response.Alarms.Select(a => $"memberID:{a.MemberID:x} alarm:{a.Alarm.ToString().ToUpperInvariant()}")];
    }

    private DateTime? Deadline() =>
        _options.CommandTimeout is { } timeout ? DateTime.UtcNow + timeout : null;

    /// <summary>
    /// One unary call. Until the endpoint has answered once, the call is also bounded by the dial timeout: the socket
    /// handler's connect timeout covers TCP and TLS only, and a port that accepts but never speaks HTTP/2 would
    /// otherwise hold the call until the keepalive ping gives up, 40 s later.
    /// </summary>
    private async Task<T> CallAsync<T>(Func<DateTime?, AsyncUnaryCall<T>> call)
    {
        var deadline = Deadline();
        var dialing = !_answered;
        var dial = _options.DialTimeout ?? EtcdConnectionOptions.DefaultDialTimeout;
        var dialDeadline = DateTime.UtcNow + dial;
        var dialBound = dialing && (deadline is null || dialDeadline < deadline);
        try
        {
            var response = await call(dialBound ? dialDeadline : deadline).ConfigureAwait(false);
            _answered = true;
            return response;
        }
        catch (RpcException e) when (dialBound && e.StatusCode == StatusCode.DeadlineExceeded)
        {
            throw new Errors.PitcrewException(
                $"{Endpoint}: no answer within the dial timeout ({GoDuration.Format(dial)}): is etcd listening there? (--dial-timeout)",
                Errors.ExitCodes.Unavailable, e);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Unavailable && e.StatusCode != StatusCode.DeadlineExceeded && e.StatusCode != StatusCode.Cancelled
            && e.Status.DebugException is null)
        {
            // The server answered, with an error: the connection is up.
            _answered = true;
            throw;
        }
    }

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
            var response = await CallAsync(d => auth.AuthenticateAsync(new AuthenticateRequest { Name = name, Password = password }, null, d, cancellationToken))
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
