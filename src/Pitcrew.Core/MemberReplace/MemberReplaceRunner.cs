using Pitcrew.Etcd;
using Pitcrew.Executors;

namespace Pitcrew.MemberReplace;

/// <summary>What the replace did: the old and new member, the cluster, the keys the new member serves, where the old data went.</summary>
public sealed record MemberReplaceReport(
    string Node, string OldId, string NewId, string ClusterId, IReadOnlyList<string> PeerUrls, long Revision, int Keys, string Aside,
    IReadOnlyList<string> Ran, IReadOnlyList<string> Skipped);

/// <summary>
/// Runs a checked <see cref="MemberReplacePlan"/>: node steps through the executor, member changes through etcd, each
/// step journaled as it completes; steps the journal lists as done are skipped (resume). The first failure stops the run.
/// </summary>
internal sealed class MemberReplaceRunner(INodeExecutor executor, EtcdConnectionOptions etcd, string stateDir, TimeProvider time, Action<string> log)
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private const string ResumeHint = "fix the cause, then run the same command with --resume to go on from this step";
    private readonly MemberReplaceEtcd _etcd = new(etcd, time, log);

    public async Task<MemberReplaceReport> RunAsync(MemberReplacePlan plan, MemberReplaceJournal journal, CancellationToken cancellationToken)
    {
        var target = plan.Target ?? throw new PitcrewException("the replace plan has no target", ExitCodes.Blocked);
        var ran = new List<string>();
        var skipped = new List<string>();
        MemberReplaceReport? report = null;
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
                case ReplaceStepKind.Run:
                    await RunOnNodeAsync(step, target.Node, step.Command!, cancellationToken).ConfigureAwait(false);
                    break;
                case ReplaceStepKind.WaitGone:
                    await WaitGoneAsync(step, target.Node, cancellationToken).ConfigureAwait(false);
                    break;
                case ReplaceStepKind.RemoveMember:
                    await _etcd.RemoveAsync(target, cancellationToken).ConfigureAwait(false);
                    break;
                case ReplaceStepKind.AddLearner:
                    var (id, initialCluster) = await _etcd.AddLearnerAsync(target, cancellationToken).ConfigureAwait(false);
                    journal = journal with { NewId = id, InitialCluster = initialCluster };
                    break;
                case ReplaceStepKind.RewriteManifest:
                    await RewriteManifestAsync(step, plan, journal, cancellationToken).ConfigureAwait(false);
                    break;
                case ReplaceStepKind.WaitCaughtUp:
                    await _etcd.WaitCaughtUpAsync(target, Added(journal), cancellationToken).ConfigureAwait(false);
                    break;
                case ReplaceStepKind.Promote:
                    await _etcd.PromoteAsync(Added(journal), cancellationToken).ConfigureAwait(false);
                    break;
                case ReplaceStepKind.Verify:
                    var (revision, keys) = await _etcd.VerifyAsync(target, Added(journal), cancellationToken).ConfigureAwait(false);
                    report = new(target.Node, target.Id, Added(journal), target.ClusterId, target.PeerUrls, revision, keys, plan.Aside, [], []);
                    break;
            }

            ran.Add(step.Id);
            journal = journal.With(step.Id);
            await journal.SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        }

        if (report is null)
        {
            var (revision, keys) = await _etcd.VerifyAsync(target, Added(journal), cancellationToken).ConfigureAwait(false);
            report = new(target.Node, target.Id, Added(journal), target.ClusterId, target.PeerUrls, revision, keys, plan.Aside, [], []);
        }

        await (journal with { Finished = true }).SaveAsync(stateDir, cancellationToken).ConfigureAwait(false);
        return report with { Ran = ran, Skipped = skipped };
    }

    private static string Added(MemberReplaceJournal journal) =>
        journal.NewId ?? throw new PitcrewException("the journal has no added member; move it aside and start over", ExitCodes.Failed);

    /// <summary>The parked manifest read on the node, its join flags set, kept here (with the original) and uploaded back in its place.</summary>
    private async Task RewriteManifestAsync(ReplaceStep step, MemberReplacePlan plan, MemberReplaceJournal journal, CancellationToken cancellationToken)
    {
        var node = plan.Target!.Node;
        var read = await RunOnNodeAsync(step, node, step.Command!, cancellationToken, quiet: true).ConfigureAwait(false);
        var original = string.Join('\n', read.Output.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text)) + "\n";
        var rewritten = EtcdManifestEdit.ForJoin(original, journal.InitialCluster
            ?? throw new PitcrewException("the journal has no --initial-cluster from member add; move it aside and start over", ExitCodes.Failed));
        Directory.CreateDirectory(stateDir);
        var kept = Path.Combine(stateDir, $"etcd.yaml.{node}.{plan.Stamp}");
        if (!File.Exists(kept + ".orig"))
        {
            await File.WriteAllTextAsync(kept + ".orig", original, cancellationToken).ConfigureAwait(false);
        }

        await File.WriteAllTextAsync(kept, rewritten, cancellationToken).ConfigureAwait(false);
        var parked = step.Path!;
        await executor.UploadAsync(node, kept, parked, null, cancellationToken).ConfigureAwait(false);
        log($"      [{node}] {parked}: --initial-cluster={journal.InitialCluster} --initial-cluster-state=existing (the original kept in {kept}.orig)");
    }

    private async Task<CommandResult> RunOnNodeAsync(ReplaceStep step, string node, string line, CancellationToken cancellationToken, bool quiet = false)
    {
        var result = await executor.RunAsync(node, NodeCommand.Shell(line) with { Sudo = true }, quiet ? null : l => log($"      [{node}] {l.Text}"), cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new PitcrewException(
                $"step {step.Id} failed on node/{node} (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : string.Empty)}): {line}\n{result.Tail()}\n" +
                (result.SudoHint() is { } hint ? hint + "\n" : string.Empty) + ResumeHint, ExitCodes.Partial);
        }

        return result;
    }

    private async Task WaitGoneAsync(ReplaceStep step, string node, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var result = await executor.RunAsync(node, NodeCommand.Shell(step.Command!) with { Sudo = true }, null, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded && !result.Output.Any(l => l.Stream == OutputStream.Stdout && l.Text.Trim().Length > 0))
            {
                return;
            }

            if (time.GetElapsedTime(started) > WaitTimeout)
            {
                throw new PitcrewException($"step {step.Id}: node/{node} still runs etcd after {WaitTimeout.TotalMinutes:0} min ({step.Command}: {result.Tail(3)}); {ResumeHint}",
                    ExitCodes.Partial);
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
