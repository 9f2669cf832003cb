using Grpc.Core;

namespace Pitcrew.Etcd;

/// <summary>etcdctl's endpoint status and endpoint health, across every endpoint at once.</summary>
public static class EtcdEndpoints
{
    /// <summary>Status of each endpoint; unreachable ones come back with <see cref="EndpointStatus.Failure"/> set.</summary>
    public static async Task<IReadOnlyList<EndpointStatus>> StatusAsync(
        EtcdConnectionOptions options, bool wholeCluster, CancellationToken cancellationToken)
    {
        options = WithDefaultTimeout(options);
        var endpoints = await ResolveAsync(options, wholeCluster, cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(endpoints.Select(async endpoint =>
        {
            using var client = new EtcdEndpointClient(options, endpoint);
            try
            {
                return await client.StatusAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or PitcrewException && !cancellationToken.IsCancellationRequested)
            {
                return EndpointStatus.Failed(endpoint, EtcdErrors.Reason(endpoint, e));
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Health of each endpoint, with the latency of a linearizable read.</summary>
    public static async Task<IReadOnlyList<EndpointHealth>> HealthAsync(
        EtcdConnectionOptions options, bool wholeCluster, TimeProvider time, CancellationToken cancellationToken)
    {
        options = WithDefaultTimeout(options);
        var endpoints = await ResolveAsync(options, wholeCluster, cancellationToken).ConfigureAwait(false);
        return await Task.WhenAll(endpoints.Select(async endpoint =>
        {
            using var client = new EtcdEndpointClient(options, endpoint);
            return await client.HealthAsync(time, cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// Every member of the member list (read through the first endpoint that answers) with its status read through its own
    /// client URL; when no endpoint lists the members, each endpoint given with its status and no name.
    /// </summary>
    public static async Task<IReadOnlyList<MemberStatus>> MembersAsync(EtcdConnectionOptions options, CancellationToken cancellationToken)
    {
        options = WithDefaultTimeout(options);
        IReadOnlyList<EtcdMemberInfo> members;
        try
        {
            members = await MemberListAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (PitcrewException) when (!cancellationToken.IsCancellationRequested)
        {
            var statuses = await StatusAsync(options, wholeCluster: false, cancellationToken).ConfigureAwait(false);
            return [.. statuses.Select(s => new MemberStatus(null, s))];
        }

        return await Task.WhenAll(members.Select(async member =>
        {
            if (member.ClientUrls.Count == 0)
            {
                return new MemberStatus(member, EndpointStatus.Failed(member.Name, "not started: the member has no client URL yet"));
            }

            var url = member.ClientUrls[0];
            using var client = new EtcdEndpointClient(options, url);
            try
            {
                return new MemberStatus(member, await client.StatusAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is RpcException or PitcrewException && !cancellationToken.IsCancellationRequested)
            {
                return new MemberStatus(member, EndpointStatus.Failed(url, EtcdErrors.Reason(url, e)));
            }
        })).ConfigureAwait(false);
    }

    /// <summary>The endpoints given, or with --cluster every member's client URLs from the first endpoint that answers.</summary>
    private static async Task<IReadOnlyList<string>> ResolveAsync(EtcdConnectionOptions options, bool wholeCluster, CancellationToken cancellationToken) =>
        wholeCluster
            ? [.. (await ListMembersAsync(options, cancellationToken).ConfigureAwait(false)).SelectMany(m => m.ClientURLs).Distinct(StringComparer.Ordinal)]
            : options.Endpoints;

    /// <summary>etcdctl member list: the members as the first endpoint that answers lists them.</summary>
    public static async Task<IReadOnlyList<EtcdMemberInfo>> MemberListAsync(EtcdConnectionOptions options, CancellationToken cancellationToken) =>
        [.. (await ListMembersAsync(options, cancellationToken).ConfigureAwait(false))
            .Select(m => new EtcdMemberInfo(m.ID, m.Name, [.. m.PeerURLs], [.. m.ClientURLs], m.IsLearner))];

    /// <summary>etcdctl member add: a new member (a learner when asked) from the first endpoint that answers; a server's refusal is not retried elsewhere.</summary>
    public static Task<MemberAdded> MemberAddAsync(EtcdConnectionOptions options, string name, IReadOnlyList<string> peerUrls, bool isLearner,
        CancellationToken cancellationToken) =>
        FirstReachableAsync(options, async (client, ct) =>
        {
            var response = await client.MemberAddAsync(peerUrls, isLearner, ct).ConfigureAwait(false);
            var members = response.Members.Select(m => new EtcdMemberInfo(m.ID, m.ID == response.Member.ID ? name : m.Name, [.. m.PeerURLs], [.. m.ClientURLs], m.IsLearner));
            return new MemberAdded(response.Member.ID, response.Header.ClusterId, name, peerUrls, isLearner, [.. members]);
        }, "cannot add the member", cancellationToken);

    /// <summary>etcdctl member remove ID; returns the cluster ID.</summary>
    public static Task<ulong> MemberRemoveAsync(EtcdConnectionOptions options, ulong id, CancellationToken cancellationToken) =>
        FirstReachableAsync(options, (client, ct) => client.MemberRemoveAsync(id, ct), $"cannot remove member {id:x}", cancellationToken);

    /// <summary>etcdctl member promote ID; returns the cluster ID. A learner not yet in sync throws <see cref="LearnerNotInSyncException"/>.</summary>
    public static Task<ulong> MemberPromoteAsync(EtcdConnectionOptions options, ulong id, CancellationToken cancellationToken) =>
        FirstReachableAsync(options, async (client, ct) =>
        {
            try
            {
                return await client.MemberPromoteAsync(id, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.Status.Detail.Contains(LearnerNotInSyncException.EtcdSays, StringComparison.Ordinal))
            {
                throw new LearnerNotInSyncException(id, e);
            }
        }, $"cannot promote member {id:x}", cancellationToken);

    /// <summary>etcdctl alarm list: the active alarms, from the first endpoint that answers.</summary>
    public static Task<IReadOnlyList<EtcdAlarm>> AlarmsAsync(EtcdConnectionOptions options, CancellationToken cancellationToken) =>
        FirstAnsweringAsync(options, (client, ct) => client.ListAlarmsAsync(ct), "cannot list alarms", cancellationToken);

    /// <summary>etcdctl alarm disarm: deactivates every active alarm; returns what was disarmed.</summary>
    public static Task<IReadOnlyList<EtcdAlarm>> DisarmAsync(EtcdConnectionOptions options, CancellationToken cancellationToken) =>
        FirstAnsweringAsync(options, async (client, ct) =>
        {
            var disarmed = new List<EtcdAlarm>();
            foreach (var alarm in await client.ListAlarmsAsync(ct).ConfigureAwait(false))
            {
                disarmed.AddRange(await client.DisarmAsync(alarm, ct).ConfigureAwait(false));
            }

            return (IReadOnlyList<EtcdAlarm>)disarmed;
        }, "cannot disarm alarms", cancellationToken);

    /// <summary>One call on the first endpoint that answers; none answering is an error naming each one's reason.</summary>
    private static Task<T> FirstAnsweringAsync<T>(EtcdConnectionOptions options, Func<EtcdEndpointClient, CancellationToken, Task<T>> call, string what,
        CancellationToken cancellationToken) => FirstAsync(options, call, what, stopOnRefusal: false, cancellationToken);

    /// <summary>
    /// One call on the first endpoint that can be reached; an endpoint that answers with an error (a refusal such as
    /// "member not found") ends the search with that error, as a write must not be tried again on another member.
    /// </summary>
    private static Task<T> FirstReachableAsync<T>(EtcdConnectionOptions options, Func<EtcdEndpointClient, CancellationToken, Task<T>> call, string what,
        CancellationToken cancellationToken) => FirstAsync(options, call, what, stopOnRefusal: true, cancellationToken);

    private static async Task<T> FirstAsync<T>(EtcdConnectionOptions options, Func<EtcdEndpointClient, CancellationToken, Task<T>> call, string what,
        bool stopOnRefusal, CancellationToken cancellationToken)
    {
        options = WithDefaultTimeout(options);
        var errors = new List<string>();
        foreach (var endpoint in options.Endpoints)
        {
            using var client = new EtcdEndpointClient(options, endpoint);
            try
            {
                return await call(client, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or PitcrewException && e is not LearnerNotInSyncException && !cancellationToken.IsCancellationRequested)
            {
                var translated = EtcdErrors.Translate(endpoint, e);
                if (stopOnRefusal && translated.ExitCode != ExitCodes.Unavailable)
                {
                    throw new PitcrewException($"{what}: {translated.Message}", translated.ExitCode, e);
                }

                errors.Add(translated.Message);
            }
        }

        throw new PitcrewException($"{what}: " + string.Join("; ", errors), ExitCodes.Unavailable);
    }

    /// <summary>The member list from the first endpoint that answers; none answering is an error naming each one's reason.</summary>
    private static async Task<IReadOnlyList<Etcdserverpb.Member>> ListMembersAsync(EtcdConnectionOptions options, CancellationToken cancellationToken)
    {
        options = WithDefaultTimeout(options);
        var errors = new List<string>();
        foreach (var endpoint in options.Endpoints)
        {
            using var client = new EtcdEndpointClient(options, endpoint);
            try
            {
                return await client.MembersAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or PitcrewException && !cancellationToken.IsCancellationRequested)
            {
                errors.Add(EtcdErrors.Translate(endpoint, e).Message);
            }
        }

        throw new PitcrewException("cannot list cluster members: " + string.Join("; ", errors), ExitCodes.Unavailable);
    }

    private static EtcdConnectionOptions WithDefaultTimeout(EtcdConnectionOptions options) =>
        options.CommandTimeout is null ? options with { CommandTimeout = EtcdConnectionOptions.DefaultCommandTimeout } : options;
}
