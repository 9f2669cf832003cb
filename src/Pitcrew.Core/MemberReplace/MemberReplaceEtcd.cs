using System.Globalization;
using Pitcrew.Etcd;
using Pitcrew.Restore;

namespace Pitcrew.MemberReplace;

/// <summary>The replace's calls to etcd, each safe to run again on resume: remove, add the learner, wait for it, promote, verify.</summary>
internal sealed class MemberReplaceEtcd(EtcdConnectionOptions etcd, TimeProvider time, Action<string> log)
{
    private const string UnhealthyCluster = "etcdserver: unhealthy cluster";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Removes the old member; one already gone (a resume after the removal) is fine.</summary>
    public async Task RemoveAsync(ReplaceTarget target, CancellationToken cancellationToken)
    {
        var members = await EtcdEndpoints.MemberListAsync(etcd, cancellationToken).ConfigureAwait(false);
        if (members.All(m => MemberIds.Hex(m.Id) != target.Id))
        {
            log($"      member {target.Id} is not listed any more");
            return;
        }

        var id = ulong.Parse(target.Id, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var cluster = await WhileUnhealthyAsync(ct => EtcdEndpoints.MemberRemoveAsync(etcd, id, ct), cancellationToken).ConfigureAwait(false);
        log($"      Member {target.Id} removed from cluster {MemberIds.Hex(cluster)}");
    }

    /// <summary>Adds the learner with the target's name and peer URLs, or finds the one a run before added; its ID and the --initial-cluster to start it with.</summary>
    public async Task<(string Id, string InitialCluster)> AddLearnerAsync(ReplaceTarget target, CancellationToken cancellationToken)
    {
        var members = await EtcdEndpoints.MemberListAsync(etcd, cancellationToken).ConfigureAwait(false);
        var urls = target.PeerUrls.Order(StringComparer.Ordinal).ToList();
        if (members.FirstOrDefault(m => m.PeerUrls.Order(StringComparer.Ordinal).SequenceEqual(urls, StringComparer.Ordinal)) is { } found)
        {
            var again = new MemberAdded(found.Id, 0, target.Name, target.PeerUrls, found.IsLearner,
                [.. members.Select(m => m.Id == found.Id ? m with { Name = target.Name } : m)]);
            log($"      member {MemberIds.Hex(found.Id)} with peer URL {string.Join(',', urls)} was added before");
            return (MemberIds.Hex(found.Id), again.InitialCluster);
        }

        var added = await WhileUnhealthyAsync(ct => EtcdEndpoints.MemberAddAsync(etcd, target.Name, target.PeerUrls, isLearner: true, ct), cancellationToken)
            .ConfigureAwait(false);
        foreach (var line in added.EtcdctlLines().Where(l => l.Length > 0))
        {
            log("      " + line.Trim());
        }

        return (MemberIds.Hex(added.Id), added.InitialCluster);
    }

    /// <summary>
    /// A membership change, tried again (bounded) while etcd answers "unhealthy cluster": it refuses changes until every
    /// voter has been connected to it for 5 s, as after a member restarted or the cluster started.
    /// </summary>
    private async Task<T> WhileUnhealthyAsync<T>(Func<CancellationToken, Task<T>> change, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                return await change(cancellationToken).ConfigureAwait(false);
            }
            catch (PitcrewException e) when (e.Message.Contains(UnhealthyCluster, StringComparison.Ordinal) && time.GetElapsedTime(started) < MemberReplaceRunner.WaitTimeout)
            {
                log($"      etcd says {UnhealthyCluster} (a member connected less than 5 s ago); again in 1 s");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits (bounded) until the new member started, answers status, and its applied index is within the upgrade gate's lag of the leader's.</summary>
    public async Task WaitCaughtUpAsync(ReplaceTarget target, string id, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var last = "no answer yet";
        while (time.GetElapsedTime(started) < MemberReplaceRunner.WaitTimeout)
        {
            try
            {
                var members = await EtcdEndpoints.MembersAsync(etcd, cancellationToken).ConfigureAwait(false);
                var member = members.FirstOrDefault(m => MemberIds.Hex(m.Id) == id);
                var leader = members.FirstOrDefault(m => m.Status.IsLeader);
                if (member?.Member is null)
                {
                    last = $"member {id} is not listed";
                }
                else if (member.Member.Name.Length == 0 || !member.Status.Reachable)
                {
                    last = $"member {id} has not started yet ({member.Status.Failure ?? "no name published"})";
                }
                else if (leader is null)
                {
                    last = "no leader answers";
                }
                else
                {
                    var behind = leader.Status.RaftIndex > member.Status.RaftAppliedIndex ? leader.Status.RaftIndex - member.Status.RaftAppliedIndex : 0;
                    if (behind <= Upgrade.Apply.HealthGates.MaxRaftLag)
                    {
                        log(string.Create(CultureInfo.InvariantCulture,
                            $"      {target.Name} ({id}) applied index {member.Status.RaftAppliedIndex}, the leader's ({leader.Name}) {leader.Status.RaftIndex}: caught up"));
                        return;
                    }

                    last = string.Create(CultureInfo.InvariantCulture, $"applied index {member.Status.RaftAppliedIndex} is {behind} behind the leader's {leader.Status.RaftIndex}");
                }
            }
            catch (PitcrewException e) when (!cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"step wait-caught-up: {target.Name} ({id}) not caught up after {MemberReplaceRunner.WaitTimeout.TotalMinutes:0} min: {last}; " +
            $"see etcd's log on node/{target.Node}, then rerun with --resume", ExitCodes.Partial);
    }

    /// <summary>Promotes the learner, trying again (bounded) while etcd says it is not in sync; a voter already (a resume) is fine.</summary>
    public async Task PromoteAsync(string id, CancellationToken cancellationToken)
    {
        var member = ulong.Parse(id, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var started = time.GetTimestamp();
        while (true)
        {
            var listed = await EtcdEndpoints.MemberListAsync(etcd, cancellationToken).ConfigureAwait(false);
            if (listed.FirstOrDefault(m => m.Id == member) is { IsLearner: false })
            {
                log($"      member {id} is a voting member");
                return;
            }

            try
            {
                var cluster = await EtcdEndpoints.MemberPromoteAsync(etcd, member, cancellationToken).ConfigureAwait(false);
                log($"      Member {id} promoted in cluster {MemberIds.Hex(cluster)}");
                return;
            }
            catch (LearnerNotInSyncException) when (time.GetElapsedTime(started) < MemberReplaceRunner.WaitTimeout)
            {
                log($"      not in sync yet ({LearnerNotInSyncException.EtcdSays}); again in 1 s");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits (bounded) until the new member is a started voter with the target's name and peer URLs, the old one gone, it
    /// reports the cluster's ID, answers a linearizable read, and serves at the leader's revision the keys the leader does
    /// (serializable reads on each); returns that revision and the key count.
    /// </summary>
    public async Task<(long Revision, int Keys)> VerifyAsync(ReplaceTarget target, string id, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<string> problems = ["no answer yet"];
        while (time.GetElapsedTime(started) < MemberReplaceRunner.WaitTimeout)
        {
            try
            {
                var (result, found) = await CheckAsync(target, id, cancellationToken).ConfigureAwait(false);
                if (found.Count == 0)
                {
                    return result;
                }

                problems = found;
            }
            catch (Exception e) when (e is PitcrewException or Grpc.Core.RpcException && !cancellationToken.IsCancellationRequested)
            {
                problems = [e.Message];
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"verify: {target.Name} ({id}) after {MemberReplaceRunner.WaitTimeout.TotalMinutes:0} min: {string.Join("; ", problems)}; " +
            "see etcd's log on the node, then rerun with --resume", ExitCodes.Partial);
    }

    private async Task<((long Revision, int Keys) Result, IReadOnlyList<string> Problems)> CheckAsync(ReplaceTarget target, string id, CancellationToken cancellationToken)
    {
        var members = await EtcdEndpoints.MembersAsync(etcd, cancellationToken).ConfigureAwait(false);
        var member = members.FirstOrDefault(m => MemberIds.Hex(m.Id) == id);
        var problems = new List<string>();
        if (member?.Member is not { } listed)
        {
            return ((0, 0), [$"member {id} is not listed"]);
        }

        if (listed.IsLearner)
        {
            problems.Add($"member {id} is still a learner");
        }

        if (listed.Name != target.Name || !listed.PeerUrls.Order(StringComparer.Ordinal).SequenceEqual(target.PeerUrls.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            problems.Add($"member {id} is {listed.Label} at {string.Join(',', listed.PeerUrls)}, not {target.Name} at {string.Join(',', target.PeerUrls)}");
        }

        if (members.Any(m => MemberIds.Hex(m.Id) == target.Id))
        {
            problems.Add($"the old member {target.Id} is still listed");
        }

        if (!member.Status.Reachable || MemberIds.Hex(member.Status.ClusterId) != target.ClusterId)
        {
            problems.Add(member.Status.Reachable ? $"member {id} reports cluster {MemberIds.Hex(member.Status.ClusterId)}, not {target.ClusterId}" : $"member {id}: {member.Status.Failure}");
        }

        var leader = members.FirstOrDefault(m => m.Status.IsLeader);
        if (problems.Count > 0 || leader is null || member.ClientUrls.Count == 0)
        {
            return ((0, 0), problems.Count > 0 ? problems : ["no leader answers"]);
        }

        using var own = new EtcdEndpointClient(etcd with { CommandTimeout = etcd.CommandTimeout ?? EtcdConnectionOptions.DefaultCommandTimeout }, member.ClientUrls[0]);
        var health = await own.HealthAsync(time, cancellationToken).ConfigureAwait(false);
        if (!health.Healthy)
        {
            return ((0, 0), [$"member {id} is not healthy: {health.Error}"]);
        }

        using var lead = new EtcdEndpointClient(etcd with { CommandTimeout = etcd.CommandTimeout ?? EtcdConnectionOptions.DefaultCommandTimeout }, leader.ClientUrls[0]);
        var revision = leader.Status.Revision;
        var theirs = await lead.KeysAsync(revision, cancellationToken).ConfigureAwait(false);
        var ours = await own.KeysAsync(revision, cancellationToken).ConfigureAwait(false);
        if (ours.Count != theirs.Count || ours.Count == 0)
        {
            return ((0, 0), [string.Create(CultureInfo.InvariantCulture, $"member {id} serves {ours.Count} keys at revision {revision}, the leader {theirs.Count}")]);
        }

        log(string.Create(CultureInfo.InvariantCulture,
            $"      {target.Name} ({id}): a voter of cluster {target.ClusterId}, healthy, {ours.Count} keys at revision {revision} as the leader ({leader.Name})"));
        return ((revision, ours.Count), []);
    }
}
