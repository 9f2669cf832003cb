using System.Globalization;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// The health gates as the run waits on them: polled until they pass, a fatal one fails, or the gate timeout passes;
/// and the bake, which watches the canaries for its time.
/// </summary>
internal sealed class GateWatch(IGateApi gates, TimeProvider time, IUpgradeProgress progress)
{
    /// <summary>Waits for a node's gates after a stage's part, with the cluster's against the baseline; null when they pass, else why not.</summary>
    public Task<string?> NodeAsync(string node, UpgradeStage stage, GateFacts baseline, ApplyOptions options, CancellationToken cancellationToken)
    {
        var etcd = stage.Role == NodeRole.Worker ? string.Empty : ", etcd members healthy and caught up";
        progress.Step(node, "health-gates", StepState.Started, stage.Part == StagePart.Components
            ? $"static pods at the target{etcd}, workloads, budgets, crash loops, skew"
            : $"Ready at the target, static pods{etcd}, workloads, budgets, crash loops, skew");
        return WaitAsync(options, facts => [.. Judge(facts, node, stage), .. HealthGates.Cluster(facts, baseline)], cancellationToken);
    }

    /// <summary>
    /// The node's own gates for the part: static pods only after the components, the whole node otherwise; on a control
    /// plane also every etcd member healthy and caught up, so the next control plane never restarts its member while
    /// this one's is still down or behind.
    /// </summary>
    public static IReadOnlyList<GateProblem> Judge(GateFacts facts, string node, UpgradeStage stage)
    {
        var own = stage.Part == StagePart.Components ? HealthGates.StaticPods(facts, node, stage.Target) : HealthGates.Node(facts, node, stage.Role, stage.Target);
        return stage.Role == NodeRole.Worker ? own : [.. own, .. HealthGates.Etcd(facts)];
    }

    /// <summary>Polls the gates until none fails (null), a fatal one fails, or the gate timeout passes (the reason).</summary>
    public async Task<string?> WaitAsync(ApplyOptions options, Func<GateFacts, IReadOnlyList<GateProblem>> judge, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            var problems = judge(await gates.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false));
            if (problems.Count == 0)
            {
                return null;
            }

            if (problems.FirstOrDefault(p => p.Fatal) is { } fatal)
            {
                return $"health gate failed: {fatal}";
            }

            if (time.GetElapsedTime(started) >= options.GateTimeout)
            {
                return string.Create(CultureInfo.InvariantCulture, $"health gates not passed after {options.GateTimeout.TotalSeconds:0}s: {string.Join("; ", problems.Take(5))}");
            }

            await Task.Delay(options.PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Watches the canaries for the bake time: they stay Ready and nothing new crash-loops.</summary>
    public async Task<StepFailure?> BakeAsync(RunJournal run, KubeVersion target, IReadOnlyList<string> canaries, GateFacts baseline, ApplyOptions options, CancellationToken cancellationToken)
    {
        var id = UpgradeRunner.BakeId(target);
        if (run.Current.IsDone(id))
        {
            return null;
        }

        progress.Line(string.Create(CultureInfo.InvariantCulture, $"bake  {target}: watching {string.Join(", ", canaries)} for {options.Bake.TotalSeconds:0}s"));
        await run.RecordAsync(id, null, StepState.Started, null, $"canaries {string.Join(", ", canaries)}", cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < options.Bake)
        {
            var facts = await gates.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false);
            var problems = canaries.SelectMany(c => HealthGates.Node(facts, c, NodeRole.Worker, target))
                .Concat(HealthGates.Cluster(facts, baseline).Where(p => p.Fatal)).ToList();
            if (problems.Count > 0)
            {
                var reason = $"the canaries did not bake: {string.Join("; ", problems.Take(5))}";
                await run.RecordAsync(id, null, StepState.Failed, time.GetElapsedTime(started).TotalSeconds, reason, cancellationToken).ConfigureAwait(false);
                return new StepFailure(canaries[0], "bake", "(pitcrew) bake", reason, string.Empty);
            }

            var left = options.Bake - time.GetElapsedTime(started);
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left < options.PollInterval ? left : options.PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }

        await run.RecordAsync(id, null, StepState.Done, time.GetElapsedTime(started).TotalSeconds, null, cancellationToken).ConfigureAwait(false);
        return null;
    }
}
