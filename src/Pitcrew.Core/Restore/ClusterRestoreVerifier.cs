using System.Globalization;
using Pitcrew.Etcd;
using Pitcrew.Restore.Drill;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore;

/// <summary>
/// The restored cluster read from here: the member list and every member's status until they match the plan
/// (<see cref="ClusterRestoreVerification"/>), and every member's keys per prefix, read serializably from that member alone.
/// </summary>
internal sealed class ClusterRestoreVerifier(EtcdConnectionOptions etcd, TimeProvider time, Action<string> log)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Waits (bounded) until the member list and every member's cluster ID match the plan; throws with what still differs.</summary>
    public async Task WaitMembersAsync(RestorePlanReport plan, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<string> problems = ["no answer yet"];
        while (time.GetElapsedTime(started) < ClusterRestoreRunner.WaitTimeout)
        {
            try
            {
                var (listed, statuses) = await ReadAsync(cancellationToken).ConfigureAwait(false);
                problems = [.. ClusterRestoreVerification.Membership(plan, listed), .. ClusterRestoreVerification.ClusterIds(plan, statuses)];
                if (problems.Count == 0)
                {
                    log($"      cluster {plan.ClusterId}: {string.Join(", ", listed.Select(m => $"{m.Name} {m.Id}"))}, all voters");
                    return;
                }
            }
            catch (Exception e) when (e is PitcrewException or Grpc.Core.RpcException)
            {
                problems = [e.Message];
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"etcd's members do not match the plan after {ClusterRestoreRunner.WaitTimeout.TotalMinutes:0} min: {string.Join("; ", problems)}; " +
            "see each member's log (a member with another cluster ID was restored with other flags), then rerun with --resume", ExitCodes.Partial);
    }

    /// <summary>Every member's keys per prefix (serializable reads from that member) against the snapshot's.</summary>
    public async Task<ClusterRestoreReport> CountAsync(string localSnapshot, RestorePlanReport plan, CancellationToken cancellationToken)
    {
        SnapshotExpectation expected;
        using (var file = BoltFile.Open(localSnapshot))
        {
            expected = SnapshotExpectation.Compute(file);
        }

        var (listed, _) = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var checks = new List<MemberCheck>();
        foreach (var member in listed.Where(m => m.ClientUrls.Count > 0))
        {
            using var client = new EtcdEndpointClient(etcd, member.ClientUrls[0]);
            var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
            var served = KeyPrefixes.Count(await client.KeysAsync(0, cancellationToken).ConfigureAwait(false));
            var counts = ClusterRestoreVerification.Compare(expected.KeysByPrefix, served);
            checks.Add(new MemberCheck(member.Name, client.Endpoint, member.Id, MemberIds.Hex(status.ClusterId), status.Revision, counts, ClusterRestoreVerification.Lost(counts)));
            log(string.Create(CultureInfo.InvariantCulture,
                $"      {member.Name} ({client.Endpoint}): revision {status.Revision} (restored at {plan.RestoredRevision}); keys {served.Values.Sum()} served, {expected.KeysByPrefix.Values.Sum()} in the snapshot"));
        }

        if (checks.Count == 0)
        {
            throw new PitcrewException("verify: etcd lists no member with a client URL; rerun with --resume once the members are up", ExitCodes.Partial);
        }

        var lost = checks.SelectMany(c => c.Lost).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new ClusterRestoreReport([], [], checks.Min(c => c.Revision), plan.RestoredRevision, checks[0].Counts, lost, checks);
    }

    private async Task<(IReadOnlyList<ListedMember> Listed, IReadOnlyList<RestoredMemberStatus> Statuses)> ReadAsync(CancellationToken cancellationToken)
    {
        var options = etcd.CommandTimeout is null ? etcd with { CommandTimeout = EtcdConnectionOptions.DefaultCommandTimeout } : etcd;
        string? failure = null;
        foreach (var endpoint in options.Endpoints)
        {
            try
            {
                using var client = new EtcdEndpointClient(options, endpoint);
                var members = await client.MembersAsync(cancellationToken).ConfigureAwait(false);
                var listed = members.Select(m => new ListedMember(m.Name, MemberIds.Hex(m.ID), m.IsLearner, [.. m.ClientURLs])).ToList();
                var statuses = await EtcdEndpoints.StatusAsync(options with { Endpoints = [.. listed.SelectMany(m => m.ClientUrls).Distinct(StringComparer.Ordinal)] },
                    wholeCluster: false, cancellationToken).ConfigureAwait(false);
                return (listed, [.. statuses.Where(s => s.Reachable).Select(s => new RestoredMemberStatus(s.Endpoint, MemberIds.Hex(s.MemberId), MemberIds.Hex(s.ClusterId), s.Revision))]);
            }
            catch (Exception e) when (e is PitcrewException or Grpc.Core.RpcException && !cancellationToken.IsCancellationRequested)
            {
                failure = EtcdErrors.Translate(endpoint, e).Message;
            }
        }

        throw new PitcrewException($"cannot list etcd's members: {failure}", ExitCodes.Unavailable);
    }
}
