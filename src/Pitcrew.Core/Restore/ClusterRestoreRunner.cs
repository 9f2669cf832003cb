using System.Globalization;
using Pitcrew.Etcd;
using Pitcrew.Executors;

namespace Pitcrew.Restore;

/// <summary>Keys per prefix: what the snapshot holds and what the restored etcd serves.</summary>
public sealed record PrefixCount(string Prefix, long Snapshot, long Served);

/// <summary>
/// What the procedure did: the steps run and skipped (done before a resume), the revision served, counts per prefix (the
/// first member's), and every member's own check; lost prefixes are those any member serves none of.
/// </summary>
public sealed record ClusterRestoreReport(
    IReadOnlyList<string> Ran,
    IReadOnlyList<string> Skipped,
    long ServedRevision,
    long RestoredRevision,
    IReadOnlyList<PrefixCount> Counts,
    IReadOnlyList<string> Lost,
    IReadOnlyList<MemberCheck> Members)
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
    private readonly ClusterRestoreVerifier _verifier = new(etcd, time, log);

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
                case RestoreStepKind.Upload:
                    await UploadAsync(step, localSnapshot, cancellationToken).ConfigureAwait(false);
                    break;
                case RestoreStepKind.CheckSnapshot:
                    await CheckSnapshotAsync(step, cancellationToken).ConfigureAwait(false);
                    break;
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
                case RestoreStepKind.VerifyMembers:
                    await _verifier.WaitMembersAsync(plan.Restore, cancellationToken).ConfigureAwait(false);
                    break;
                case RestoreStepKind.VerifyCounts:
                    verified = await _verifier.CountAsync(localSnapshot, plan.Restore, cancellationToken).ConfigureAwait(false);
                    break;
            }

            ran.Add(step.Id);
            journal = journal.With(step.Id);
            await journal.SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        }

        verified ??= await _verifier.CountAsync(localSnapshot, plan.Restore, cancellationToken).ConfigureAwait(false);
        await (journal with { Finished = true }).SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        return verified with { Ran = ran, Skipped = skipped };
    }

    private async Task UploadAsync(RestoreStep step, string localSnapshot, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var size = new FileInfo(localSnapshot).Length;
        await executor.UploadAsync(step.Node!, localSnapshot, step.Path!, null, cancellationToken).ConfigureAwait(false);
        log(string.Create(CultureInfo.InvariantCulture, $"      [{step.Node}] {size} bytes to {step.Path} in {time.GetElapsedTime(started).TotalSeconds:0.0} s"));
    }

    /// <summary>The node's copy hashed there; a missing or different copy stops the run before anything is stopped or moved.</summary>
    private async Task CheckSnapshotAsync(RestoreStep step, CancellationToken cancellationToken)
    {
        var result = await executor.RunAsync(step.Node!, NodeCommand.Shell(step.Command!) with { Sudo = true }, null, cancellationToken).ConfigureAwait(false);
        const string untouched = "nothing was stopped or moved";
        if (!result.Succeeded)
        {
            throw new PitcrewException($"step {step.Id}: cannot hash the snapshot copy on node/{step.Node} ({step.Command}: exit {result.ExitCode}: {result.Tail(3)}); " +
                $"{untouched}: put the copy there (or drop --node-snapshot to upload it), then run again", ExitCodes.FileNotFound);
        }

        var found = SnapshotHashes.Parse(result.Output.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text));
        if (!string.Equals(found, step.Sha256, StringComparison.Ordinal))
        {
            throw new PitcrewException($"step {step.Id}: the snapshot copy {step.Path ?? step.Command} on node/{step.Node} has SHA-256 {found ?? "(none printed)"}, " +
                $"the file here {step.Sha256}; {untouched}: replace the copy on node/{step.Node} (or drop --node-snapshot to upload it again), then run again", ExitCodes.Corrupt);
        }

        log($"      [{step.Node}] sha256 {found}");
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
}
