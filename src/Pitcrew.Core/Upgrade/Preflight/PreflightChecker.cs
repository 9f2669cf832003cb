using Pitcrew.Nodes;

namespace Pitcrew.Upgrade.Preflight;

/// <summary>
/// The go/no-go checks before an upgrade, from facts already read: nodes, control plane, etcd, a recent backup, version
/// rules, drainability, pending pods, removed APIs still requested and certificates. Pure.
/// </summary>
internal static class PreflightChecker
{
    /// <summary>The components every control-plane node runs as static pods (etcd is checked on its own).</summary>
    public static readonly IReadOnlyList<string> ControlPlaneComponents =
        [ClusterVersions.ApiServerComponent, ClusterVersions.ControllerManagerComponent, ClusterVersions.SchedulerComponent];

    private const int Listed = 5;

    /// <summary>Every check; without <paramref name="safety"/> (etcd members, backups, certificates not read) etcd is judged by its pods alone and the backup and certificate lines are left out.</summary>
    public static PreflightReport Check(UpgradePlan plan, ClusterHealth health, DrainForecastResult drain, IReadOnlyList<RemovedApi> removed, bool force,
        SafetyFacts? safety = null)
    {
        List<PreflightCheck> checks = [NodesReady(health), NoPressure(health), ControlPlane(health), SafetyChecks.Etcd(health, safety?.Etcd)];
        if (safety is not null)
        {
            checks.Add(SafetyChecks.Backup(safety.Backups, safety.Now, safety.MaxBackupAge, safety.EtcdAnswer));
        }

        checks.AddRange([Versions(plan, force), Drainable(drain), Pending(health), Apis(plan, health, removed)]);
        if (safety is not null)
        {
            checks.Add(SafetyChecks.Certificates(safety.Certificates, safety.Now, safety.WindowEnd));
        }

        return new(plan.Current, plan.Target, checks);
    }

    private static PreflightCheck NodesReady(ClusterHealth health)
    {
        var notReady = health.Nodes.Where(n => n.Ready != "True").ToList();
        return notReady.Count == 0
            ? new("nodes Ready", PreflightVerdict.Pass, $"{health.Nodes.Count}/{health.Nodes.Count} nodes Ready")
            : new("nodes Ready", PreflightVerdict.Fail, "not Ready: " + List(notReady.Select(n => $"{n.Name} ({n.Ready})")),
                "bring those nodes back (kubectl describe node) or remove them before upgrading");
    }

    private static PreflightCheck NoPressure(ClusterHealth health)
    {
        var pressed = health.Nodes.Where(n => n.Pressures.Count > 0).ToList();
        return pressed.Count == 0
            ? new("no pressure", PreflightVerdict.Pass, "no node reports memory, disk or PID pressure")
            : new("no pressure", PreflightVerdict.Fail, List(pressed.Select(n => $"{n.Name}: {string.Join(", ", n.Pressures)}")),
                "free resources first: a node under pressure evicts pods and refuses the ones drains move");
    }

    private static PreflightCheck ControlPlane(ClusterHealth health)
    {
        var controlPlanes = health.Nodes.Where(n => n.ControlPlane).Select(n => n.Name).ToList();
        var problems = new List<string>();
        foreach (var node in controlPlanes)
        {
            foreach (var component in ControlPlaneComponents)
            {
                var pod = health.ControlPlane.FirstOrDefault(p => p.Node == node && p.Component == component);
                if (pod is null)
                {
                    problems.Add($"{component} on {node}: no pod");
                }
                else if (pod.Phase != "Running" || !pod.Ready)
                {
                    problems.Add($"{component} on {node}: {pod.Phase}{(pod.Ready ? string.Empty : ", not Ready")}{(pod.Waiting is null ? string.Empty : ", " + pod.Waiting)}");
                }
            }
        }

        return problems.Count == 0
            ? new("control plane healthy", PreflightVerdict.Pass, $"{string.Join(", ", controlPlanes)}: {string.Join(", ", ControlPlaneComponents)} Running and Ready")
            : new("control plane healthy", PreflightVerdict.Fail, List(problems), "repair the control plane first (its logs: kubectl logs -n kube-system POD)");
    }

    private static PreflightCheck Versions(UpgradePlan plan, bool force)
    {
        var mandatory = plan.Checks.Where(c => c.Severity == CheckSeverity.Mandatory).ToList();
        var skippable = plan.Checks.Where(c => c.Severity == CheckSeverity.Skippable).ToList();
        if (mandatory.Count > 0)
        {
            return new("version rules", PreflightVerdict.Fail, List(mandatory.Select(c => $"{c.Subject}: {c.Reason}")), mandatory[0].Hint ?? "see pitcrew upgrade plan");
        }

        var warnings = plan.Checks.Where(c => c.Severity == CheckSeverity.Warning).ToList();
        if (skippable.Count > 0 && !force)
        {
            return new("version rules", PreflightVerdict.Warn, List(skippable.Concat(warnings).Select(c => $"{c.Subject}: {c.Reason}")),
                "see pitcrew upgrade plan; --force accepts the skippable ones");
        }

        // Warnings (an end-of-life minor on the path, the local kubectl) never block, and --force does not hide them.
        if (warnings.Count > 0)
        {
            return new("version rules", PreflightVerdict.Warn,
                (skippable.Count > 0 ? $"forced: {List(skippable.Select(c => $"{c.Subject}: {c.Reason}"))}\n" : string.Empty) + List(warnings.Select(c => $"{c.Subject}: {c.Reason}")),
                List(warnings.Select(c => c.Hint).OfType<string>().Distinct(StringComparer.Ordinal)));
        }

        if (skippable.Count > 0)
        {
            return new("version rules", PreflightVerdict.Pass, "forced: " + List(skippable.Select(c => $"{c.Subject}: {c.Reason}")));
        }

        return new("version rules", PreflightVerdict.Pass, $"path {string.Join(" -> ", new[] { plan.Current }.Concat(plan.Path))} keeps the skew policy");
    }

    private static PreflightCheck Drainable(DrainForecastResult drain)
    {
        var blocks = drain.Blockers.Where(b => b.Severity == BlockerSeverity.Blocks).ToList();
        var slows = drain.Blockers.Where(b => b.Severity == BlockerSeverity.Slows).ToList();
        return blocks.Count > 0
            ? new("every node drainable", PreflightVerdict.Fail, List(blocks.Select(b => $"{b.Subject}: {b.Message}")), Remedies(blocks))
            : slows.Count > 0
                ? new("every node drainable", PreflightVerdict.Warn, List(slows.Select(b => $"{b.Subject}: {b.Message}")), Remedies(slows))
                : new("every node drainable", PreflightVerdict.Pass, $"{drain.Plans.Count} nodes can be drained now (--ignore-daemonsets --delete-emptydir-data)");
    }

    /// <summary>
    /// Each different remedy once. The drain's "pass --force" (for pods no controller would recreate) is not an option
    /// here: the upgrade's drains never force, so those pods must go or get a controller first; nor is
    /// --disable-eviction, since the upgrade always respects the budgets.
    /// </summary>
    private static string? Remedies(IEnumerable<Blocker> blockers) => List(blockers.Select(b => b.Remedy switch
        {
            "pass --force" => "delete the pods no controller manages, or run them under one: the upgrade's drains do not use --force",
            // Nor does it bypass budgets: the choices left are the workload's.
            var remedy => remedy?.Replace(", or pass --disable-eviction", string.Empty, StringComparison.Ordinal),
        }).OfType<string>().Distinct(StringComparer.Ordinal)) is { Length: > 0 } text ? text : null;

    private static PreflightCheck Pending(ClusterHealth health) => health.PendingPods.Count == 0
        ? new("no pending pods", PreflightVerdict.Pass, "no pod waits to be scheduled")
        : new("no pending pods", PreflightVerdict.Warn, $"{health.PendingPods.Count} pending: {List(health.PendingPods)}",
            "pods that cannot be scheduled now will not fit when nodes are drained either; find why (kubectl describe pod)");

    private static PreflightCheck Apis(UpgradePlan plan, ClusterHealth health, IReadOnlyList<RemovedApi> table)
    {
        var onPath = RemovedApis.OnPath(table, KubeVersion.Parse(plan.Current), KubeVersion.Parse(plan.Target));
        if (onPath.Count == 0)
        {
            return new("removed APIs not in use", PreflightVerdict.Pass, $"no API is removed between {plan.Current} and {plan.Target}");
        }

        if (health.DeprecatedRequests is null)
        {
            return new("removed APIs not in use", PreflightVerdict.Warn, $"cannot read kube-apiserver's /metrics; {onPath.Count} APIs are removed on the path: {List(onPath.Select(a => $"{a.Name} ({a.RemovedIn})"))}",
                "check apiserver_requested_deprecated_apis yourself (kubectl get --raw /metrics) or grant get on /metrics");
        }

        var used = onPath.Where(a => health.DeprecatedRequests.Any(r => r.Group == a.Group && r.Version == a.Version && r.Resource == a.Resource)).ToList();
        return used.Count == 0
            ? new("removed APIs not in use", PreflightVerdict.Pass, $"none of the {onPath.Count} APIs removed on the path was requested since kube-apiserver started")
            : new("removed APIs not in use", PreflightVerdict.Fail, "still requested: " + List(used.Select(a => $"{a.Name}, removed in {a.RemovedIn}, use {a.Use}")),
                "move those clients and manifests to the replacement APIs first");
    }

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return string.Join('\n', all.Take(Listed)) + (all.Count > Listed ? $"\nand {all.Count - Listed} more" : string.Empty);
    }
}
