using Pitcrew.Etcd;
using Pitcrew.Executors;
using Pitcrew.Restore;

namespace Pitcrew.MemberReplace;

/// <summary>What <c>pitcrew etcd member replace NODE</c>'s flags mean, bound once.</summary>
/// <param name="Kube">The cluster, for the maintenance lock (and the sim and ssh executors); null: no lock.</param>
internal sealed record MemberReplaceRequest(string Node, ReplacePaths Paths, string StateDir, bool DryRun, bool Resume, bool Yes, EtcdConnectionOptions Etcd,
    k8s.KubernetesClientConfiguration? Kube = null);

/// <summary>What a replace reaches outside itself: the clock, the executor (made once confirmed), the plan's display, the question, progress lines.</summary>
internal sealed record MemberReplaceServices(TimeProvider Time, Func<INodeExecutor> CreateExecutor, Action<MemberReplacePlan> ShowPlan, Func<bool> Confirm, Action<string> Log);

/// <summary>How a replace ended: the plan, the report when it ran, the exit code, a closing note when it stopped early.</summary>
internal sealed record MemberReplaceOutcome(MemberReplacePlan Plan, MemberReplaceReport? Report, int ExitCode, string? Note);

/// <summary>
/// The replace as one call: resume the journal's run or find the member by node and check the quorum without it, plan,
/// show the plan, stop at --dry-run or an unconfirmed run, take the cluster lock, then run the steps.
/// </summary>
internal static class MemberReplace
{
    public const string NotConfirmed = "not confirmed; nothing was touched (pass --yes to skip the question)";

    public static async Task<MemberReplaceOutcome> RunAsync(MemberReplaceRequest request, MemberReplaceServices services, CancellationToken cancellationToken)
    {
        var journal = await MemberReplaceJournal.LoadAsync(request.StateDir, cancellationToken).ConfigureAwait(false);
        var journalPath = Path.Combine(request.StateDir, MemberReplaceJournal.FileName);
        MemberReplacePlan plan;
        if (request.Resume)
        {
            if (journal is null || journal.Finished)
            {
                throw new PitcrewException(journal is null ? $"--resume: no journal in {request.StateDir}" : $"--resume: {journalPath}: the replace of node {journal.Target.Node} finished",
                    ExitCodes.Usage);
            }

            if (journal.Target.Node != request.Node)
            {
                throw new PitcrewException($"--resume: {journalPath} replaces node {journal.Target.Node}, not {request.Node}", ExitCodes.Usage);
            }

            plan = MemberReplacePlanner.Plan(journal.Target, [], request.Paths, journal.Stamp);
        }
        else
        {
            if (journal is { Finished: false, Done.Count: > 0 } && !request.DryRun)
            {
                throw new PitcrewException($"{journalPath}: an unfinished replace of node {journal.Target.Node} ({journal.Done.Count} steps done, the last {journal.Done[^1]}); " +
                    "add --resume, or move the journal aside to start over", ExitCodes.Blocked);
            }

            var members = await EtcdEndpoints.MembersAsync(request.Etcd, cancellationToken).ConfigureAwait(false);
            var (target, problems) = MemberReplacePlanner.Find(request.Node, members);
            plan = MemberReplacePlanner.Plan(target, problems, request.Paths, ClusterRestoreProcedure.StampOf(services.Time.GetUtcNow()));
            journal = plan.Target is { } found ? MemberReplaceJournal.Start(found, plan.Stamp) : null;
        }

        services.ShowPlan(plan);
        if (!plan.Ok)
        {
            return new(plan, null, plan.Problems[0].ExitCode, null);
        }

        if (request.DryRun)
        {
            return new(plan, null, ExitCodes.Ok, "--dry-run: nothing was touched");
        }

        if (!request.Yes && !services.Confirm())
        {
            return new(plan, null, ExitCodes.Blocked, NotConfirmed);
        }

        await using var clusterLock = await ClusterRestore.LockAsync(request.Kube, Upgrade.Apply.LockHolder.Here("member-replace", plan.Stamp),
            $"replace of node {request.Node}'s etcd member", services.Time, services.Log, cancellationToken).ConfigureAwait(false);
        await using var executor = services.CreateExecutor();
        var runner = new MemberReplaceRunner(executor, request.Etcd, request.StateDir, services.Time, services.Log);
        var report = await runner.RunAsync(plan, journal!, cancellationToken).ConfigureAwait(false);
        return new(plan, report, ExitCodes.Ok, null);
    }
}
