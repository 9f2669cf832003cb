using System.Globalization;
using Pitcrew.Etcd;
using Pitcrew.Executors;
using Pitcrew.Restore.Drill;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Restore;

/// <summary>Keys per prefix: what the snapshot holds and what the restored etcd serves.</summary>
public sealed record PrefixCount(string Prefix, long Snapshot, long Served);

/// <summary>What the procedure did: the steps run and skipped (done before a resume), the revision served, counts per prefix.</summary>
public sealed record ClusterRestoreReport(
    IReadOnlyList<string> Ran,
    IReadOnlyList<string> Skipped,
    long ServedRevision,
    long RestoredRevision,
    IReadOnlyList<PrefixCount> Counts,
    IReadOnlyList<string> Lost)
{
    public bool Ok => Lost.Count == 0 && ServedRevision >= RestoredRevision;
}

/// <summary>
/// Runs a checked <see cref="ClusterRestorePlan"/> through a node executor, journaling each step as it completes;
/// steps the journal lists as done are skipped (resume). The first failing step stops the run with its output.
/// </summary>
internal sealed class ClusterRestoreRunner(INodeExecutor executor, EtcdConnectionOptions etcd, string stateDir, TimeProvider time, Action<string> log)
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public async Task<ClusterRestoreReport> RunAsync(ClusterRestorePlan plan, string localSnapshot, ClusterRestoreJournal journal, CancellationToken cancellationToken)
    {
        if (!plan.Ok)
        {
            throw new PitcrewException($"the restore plan does not check out: {plan.Problems[0].Message}; {plan.Problems[0].Hint}", ExitCodes.Blocked);
        }

        var ran = new List<string>();
        var skipped = new List<string>();
        ClusterRestoreReport? verified = null;
        await journal.SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        foreach (var step in plan.Steps)
        {
            if (journal.IsDone(step.Id))
            {
                skipped.Add(step.Id);
                log($"skip  {step.Id} (done before)");
                continue;
            }

            log($"run   {step.Id}: {step.Description}{(step.Command is null ? string.Empty : " :: " + step.Command)}");
            switch (step.Kind)
            {
                case RestoreStepKind.Run:
                    await RunOnNodeAsync(step, step.Command!, cancellationToken).ConfigureAwait(false);
                    break;
                case RestoreStepKind.WaitGone:
                    await WaitGoneAsync(step, cancellationToken).ConfigureAwait(false);
                    break;
                case RestoreStepKind.StopContainers:
                    await StopContainersAsync(step, cancellationToken).ConfigureAwait(false);
                    break;
                case RestoreStepKind.EtcdHealth:
                    await WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case RestoreStepKind.VerifyCounts:
                    verified = await VerifyAsync(localSnapshot, plan.Restore.RestoredRevision, cancellationToken).ConfigureAwait(false);
                    break;
            }

            ran.Add(step.Id);
            journal = journal.With(step.Id);
            await journal.SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        }

        verified ??= await VerifyAsync(localSnapshot, plan.Restore.RestoredRevision, cancellationToken).ConfigureAwait(false);
        await (journal with { Finished = true }).SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        return verified with { Ran = ran, Skipped = skipped };
    }

    private async Task<CommandResult> RunOnNodeAsync(RestoreStep step, string line, CancellationToken cancellationToken)
    {
        var result = await executor.RunAsync(step.Node!, NodeCommand.Shell(line) with { Sudo = true }, l => log($"      [{step.Node}] {l.Text}"), cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new PitcrewException(
                $"step {step.Id} failed on node/{step.Node} (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : string.Empty)}): {line}\n{result.Tail()}\n" +
                (result.SudoHint() is { } hint ? hint + "\n" : string.Empty) +
                "fix the cause, then run the same command with --resume to go on from this step", ExitCodes.Partial);
        }

        return result;
    }

    private async Task WaitGoneAsync(RestoreStep step, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var result = await executor.RunAsync(step.Node!, NodeCommand.Shell(step.Command!) with { Sudo = true }, null, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded && !result.Output.Any(l => l.Stream == OutputStream.Stdout && l.Text.Trim().Length > 0))
            {
                return;
            }

            if (time.GetElapsedTime(started) > WaitTimeout)
            {
                throw new PitcrewException($"step {step.Id}: node/{step.Node} still runs etcd after {WaitTimeout.TotalMinutes:0} min ({step.Command}: {result.Tail(3)}); rerun with --resume",
                    ExitCodes.Partial);
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StopContainersAsync(RestoreStep step, CancellationToken cancellationToken)
    {
        var listed = await RunOnNodeAsync(step, step.Command!, cancellationToken).ConfigureAwait(false);
        var ids = listed.Output.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text.Trim()).Where(t => t.Length > 0).ToList();
        if (ids.Count == 0)
        {
            log($"      [{step.Node}] no container to restart");
            return;
        }

        await RunOnNodeAsync(step, "crictl stop " + string.Join(' ', ids.Select(NodeCommand.Quote)), cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        string last = "no answer yet";
        while (time.GetElapsedTime(started) < WaitTimeout)
        {
            try
            {
                var health = await EtcdEndpoints.HealthAsync(etcd, wholeCluster: true, time, cancellationToken).ConfigureAwait(false);
                if (health.Count > 0 && health.All(h => h.Healthy))
                {
                    log($"      etcd healthy: {string.Join(", ", health.Select(h => h.Endpoint))}");
                    return;
                }

                last = string.Join("; ", health.Where(h => !h.Healthy).Select(h => $"{h.Endpoint}: {h.Error}"));
            }
            catch (Exception e) when (e is PitcrewException or Grpc.Core.RpcException or HttpRequestException)
            {
                last = e.Message;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"etcd not healthy after {WaitTimeout.TotalMinutes:0} min: {last}; see each member's log, then rerun with --resume", ExitCodes.Partial);
    }

    /// <summary>Keys per prefix served now against the snapshot's; a prefix the snapshot has and etcd serves none of is lost.</summary>
    internal async Task<ClusterRestoreReport> VerifyAsync(string localSnapshot, long restoredRevision, CancellationToken cancellationToken)
    {
        SnapshotExpectation expected;
        using (var file = BoltFile.Open(localSnapshot))
        {
            expected = SnapshotExpectation.Compute(file);
        }

        var endpoint = etcd.Endpoints[0];
        using var client = new EtcdEndpointClient(etcd, endpoint);
        var status = await client.StatusAsync(cancellationToken).ConfigureAwait(false);
        var keys = await client.KeysAsync(0, cancellationToken).ConfigureAwait(false);
        var served = KeyPrefixes.Count(keys);
        var counts = expected.KeysByPrefix.Keys.Union(served.Keys).Order(StringComparer.Ordinal)
            .Select(p => new PrefixCount(p, expected.KeysByPrefix.GetValueOrDefault(p), served.GetValueOrDefault(p)))
            .ToList();
        var lost = counts.Where(c => c.Snapshot > 0 && c.Served == 0).Select(c => c.Prefix).ToList();
        log(string.Create(CultureInfo.InvariantCulture,
            $"      revision {status.Revision} (restored at {restoredRevision}); keys {served.Values.Sum()} served, {expected.KeysByPrefix.Values.Sum()} in the snapshot"));
        return new ClusterRestoreReport([], [], status.Revision, restoredRevision, counts, lost);
    }
}
