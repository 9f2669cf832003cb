using Pitcrew.Upgrade.Releases;

namespace Pitcrew.Upgrade;

/// <summary>The version rules of the skew policy and kubeadm applied to a cluster and a planned path; each result carries its reason and what to do.</summary>
internal static class SkewChecker
{
    public const string StaleReleaseDataRule = "release data current";

    public const string SupportedRule = "supported minor";

    public static IReadOnlyList<SkewCheck> Check(ClusterVersions cluster, KubeVersion current, KubeVersion target, IReadOnlyList<KubeVersion> path, ReleaseTable releases, DateOnly today)
    {
        var checks = new List<SkewCheck>();
        if (target < current)
        {
            checks.Add(new("no downgrade", CheckSeverity.Mandatory, target.Text, $"the cluster runs {current.Text}; Pitcrew does not plan downgrades", "restore a pre-upgrade backup instead"));
        }

        var from = current;
        foreach (var to in path)
        {
            var ok = to.MinorsAhead(from) <= SkewPolicy.ApiServerMinorsPerStep;
            var known = releases.Find(to) is not null;
            checks.Add(new("kube-apiserver one minor per step", ok && known ? CheckSeverity.Ok : CheckSeverity.Mandatory, $"{from.Text} -> {to.Text}",
                !known ? $"{to.MinorText} is not in the release table, and no minor may be skipped" : ok ? "never skips a minor" : "skips a minor",
                known ? null : "pass --releases FILE listing every minor on the path"));
            from = to;
        }

        var firstTarget = path.Count > 0 ? path[0] : current;
        var apiServers = cluster.Pods(ClusterVersions.ApiServerComponent).Select(p => (p.Node, Version: KubeVersion.FromImage(p.Image))).Where(p => p.Version is not null).ToList();
        if (apiServers.Count > 0)
        {
            var oldest = apiServers.Min(p => p.Version)!;
            var newest = apiServers.Max(p => p.Version)!;
            checks.Add(new("kube-apiserver instances within one minor", newest.MinorsAhead(oldest) <= SkewPolicy.ApiServerInstanceSkew ? CheckSeverity.Ok : CheckSeverity.Mandatory,
                string.Join(", ", apiServers.Select(p => $"{p.Node} {p.Version!.Text}")), $"oldest {oldest.Text}, newest {newest.Text}"));
            foreach (var (node, version) in apiServers.Where(p => p.Version != current))
            {
                checks.Add(new("control plane at one version", CheckSeverity.Skippable, $"kube-apiserver on {node}",
                    $"runs {version!.Text} while /version reports {current.Text}: an upgrade was left half done", $"finish it with kubeadm upgrade node on {node}, or --force"));
            }
        }

        foreach (var component in new[] { ClusterVersions.ControllerManagerComponent, ClusterVersions.SchedulerComponent })
        {
            foreach (var pod in cluster.Pods(component))
            {
                var version = KubeVersion.FromImage(pod.Image);
                if (version is null)
                {
                    continue;
                }

                var behind = current.MinorsAhead(version);
                var severity = behind < 0 ? CheckSeverity.Mandatory : behind > SkewPolicy.ControllerMinorsBehind ? CheckSeverity.Skippable : CheckSeverity.Ok;
                checks.Add(new($"{component} at most {SkewPolicy.ControllerMinorsBehind} minor older, never newer", severity, $"{component} on {pod.Node}",
                    $"{version.Text} against kube-apiserver {current.Text}", severity == CheckSeverity.Ok ? null : $"kubeadm upgrade node on {pod.Node}"));
            }
        }

        foreach (var node in cluster.Ordered)
        {
            checks.Add(Kubelet(node, current, firstTarget));
        }

        if (KubeVersion.FromImage(cluster.KubeProxyImage) is { } proxy)
        {
            var behind = firstTarget.MinorsAhead(proxy);
            var severity = proxy > current ? CheckSeverity.Mandatory : behind > SkewPolicy.KubeProxyMinorsBehind ? CheckSeverity.Skippable : CheckSeverity.Ok;
            checks.Add(new($"kube-proxy never newer, at most {SkewPolicy.KubeProxyMinorsBehind} minors older", severity, "kube-proxy", $"{proxy.Text} against kube-apiserver {firstTarget.Text} after step 1"));
        }

        // The workstation's kubectl plays no part in the upgrade (kubeadm and the node executors do the work): worth knowing, never a block.
        checks.Add(cluster.Kubectl is { } kubectl
            ? new($"kubectl within {SkewPolicy.KubectlMinorSkew} minor", Math.Abs(target.MinorsAhead(kubectl)) <= SkewPolicy.KubectlMinorSkew ? CheckSeverity.Ok : CheckSeverity.Warning,
                "kubectl on this machine", $"{kubectl.Text} against {target.Text}; the upgrade does not use it", "install a kubectl within one minor of the target to work with the cluster afterwards")
            : new($"kubectl within {SkewPolicy.KubectlMinorSkew} minor", CheckSeverity.Ok, "kubectl on this machine", "not found on PATH; not checked"));
        checks.Add(new("kubeadm at the target's minor", CheckSeverity.Ok, "every node",
            "each step installs kubeadm at the step's version before kubeadm upgrade apply/node runs (runbook step upgrade-kubeadm)"));
        checks.AddRange(Support(path, target, releases, today));

        if (today.DayNumber - releases.AsOf.DayNumber > SkewPolicy.StaleReleaseDataDays)
        {
            checks.Add(new(StaleReleaseDataRule, CheckSeverity.Ok, "release table", $"as of {releases.AsOf:yyyy-MM-dd}; newer patches may exist", "pass --releases FILE with current data"));
        }

        return checks;
    }

    /// <summary>
    /// An end-of-life minor on the path (a hop or the target) is a warning naming the nearest supported minor: leaving an
    /// old version is what the upgrade is for, so it never blocks.
    /// </summary>
    private static IEnumerable<SkewCheck> Support(IReadOnlyList<KubeVersion> path, KubeVersion target, ReleaseTable releases, DateOnly today)
    {
        var nearest = SupportWindow.OldestSupported(releases, today);
        foreach (var minor in path.DistinctBy(v => (v.Major, v.Minor)))
        {
            var status = SupportWindow.Status(minor.Major, minor.Minor, releases, today);
            if (status.Status == SupportWindow.EndOfLife)
            {
                yield return new(SupportedRule, CheckSeverity.Warning, minor.MinorText, $"reached end of life on {status.EndOfLife:yyyy-MM-dd}: no more patches",
                    nearest is null ? "no minor of the release table is supported any more; pass --releases FILE with current data"
                    : nearest.Latest.MinorsAhead(target) <= 0 ? $"a hop on the way to {target.MinorText}, which is supported"
                    : $"the nearest supported minor is {nearest.Minor}: carry on there (pitcrew upgrade plan --to {nearest.Minor})");
            }
        }
    }

    private static SkewCheck Kubelet(NodeVersion node, KubeVersion current, KubeVersion firstTarget)
    {
        const string Rule = "kubelet never newer, at most 3 minors older (2 before 1.25)";
        if (node.Kubelet is not { } kubelet)
        {
            return new(Rule, CheckSeverity.Skippable, $"kubelet on {node.Name}", "reports no version", "check the node");
        }

        if (kubelet > current)
        {
            return new(Rule, CheckSeverity.Mandatory, $"kubelet on {node.Name}", $"{kubelet.Text} is newer than kube-apiserver {current.Text}", "the control plane must be upgraded first");
        }

        var behind = firstTarget.MinorsAhead(kubelet);
        var allowed = SkewPolicy.KubeletAllowance(kubelet);
        return behind > allowed
            ? new(Rule, CheckSeverity.Skippable, $"kubelet on {node.Name}",
                $"{kubelet.Text} would be {behind} minors behind kube-apiserver {firstTarget.Text}; the policy allows {allowed}", "upgrade that node's kubelet first, or --force")
            : new(Rule, CheckSeverity.Ok, $"kubelet on {node.Name}", $"{kubelet.Text}, {behind} minor(s) behind {firstTarget.Text} at most");
    }
}
