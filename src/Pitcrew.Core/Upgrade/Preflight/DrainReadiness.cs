using Pitcrew.Nodes;

namespace Pitcrew.Upgrade.Preflight;

/// <summary>
/// Whether each node could be drained now, alone, as the upgrade drains them (one at a time): the drain forecast per
/// node from one read of pods, nodes, budgets and DaemonSets, its blockers merged.
/// </summary>
internal static class DrainReadiness
{
    /// <summary>The drain flags an upgrade uses, as the kubeadm upgrade guide's kubectl drain --ignore-daemonsets (emptyDir data is node-local scratch).</summary>
    public static readonly DrainOptions UpgradeDrain = new() { IgnoreDaemonSets = true, DeleteEmptyDirData = true };

    public static async Task<DrainForecastResult> ForecastAsync(INodeApi api, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var options = UpgradeDrain;
        var pods = await api.ListPodsAsync(null, null, options.ChunkSize, cancellationToken).ConfigureAwait(false);
        var nodes = await api.ListNodesAsync(null, options.ChunkSize, cancellationToken).ConfigureAwait(false);
        var budgets = await api.ListBudgetsAsync(cancellationToken).ConfigureAwait(false);
        var daemonSets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (ns, name) in pods.Pods.Where(p => p.Controller is { Kind: "DaemonSet" }).Select(p => (p.Namespace, p.Controller!.Name)).Distinct())
        {
            if (await api.DaemonSetExistsAsync(ns, name, cancellationToken).ConfigureAwait(false))
            {
                daemonSets.Add($"{ns}/{name}");
            }
        }

        var plans = new List<NodeDrainPlan>();
        var blockers = new List<Blocker>();
        var seen = new HashSet<(string, string)>();
        foreach (var node in nodes)
        {
            var plan = DrainPlanner.Plan(node, [.. pods.Pods.Where(p => p.NodeName == node.Name)], daemonSets, options, now);
            plans.Add(plan);
            foreach (var blocker in DrainForecast.Predict([plan], budgets.Budgets, nodes, pods.Pods, options).Blockers)
            {
                if (seen.Add((blocker.Subject, blocker.Message)))
                {
                    var subject = blocker.Subject == $"node/{node.Name}" ? blocker.Subject : $"node/{node.Name}: {blocker.Subject}";
                    blockers.Add(blocker with { Subject = subject });
                }
            }
        }

        return new DrainForecastResult(plans, blockers);
    }
}
