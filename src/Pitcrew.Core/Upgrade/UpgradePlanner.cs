using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade;

/// <summary>
/// Plans a kubeadm upgrade from what the cluster runs: the target, the path one minor at a time at the latest patch of
/// each (kubeadm goes from any patch of a minor to the next minor; the current minor's latest patch first only when
/// asked), the other paths worth knowing, per-step component tables and commands, the skew checks and the support
/// status. Pure: facts in, plan out.
/// </summary>
internal static class UpgradePlanner
{
    public static UpgradePlan Plan(ClusterVersions cluster, ReleaseTable releases, Runbook runbook, UpgradeRequest request, DateOnly today)
    {
        var current = cluster.ApiServer;
        var target = ResolveTarget(request.To, releases, current);
        var path = Path(current, target, releases, request.ViaLatestPatch);
        var steps = new List<UpgradeStep>();
        var from = current;
        foreach (var to in path)
        {
            steps.Add(Step(steps.Count + 1, from, to, cluster, releases, runbook, first: steps.Count == 0));
            from = to;
        }

        var checks = SkewChecker.Check(cluster, current, target, path, releases, today);
        var minors = new[] { current }.Concat(path).Select(v => (v.Major, v.Minor)).Distinct();
        var support = minors.Select(m => SupportWindow.Status(m.Major, m.Minor, releases, today)).ToList();
        return new UpgradePlan(current.Text, cluster.Configured?.Text, target.Text, [.. path.Select(v => v.Text)], steps, checks, support, runbook.Name, releases.AsOf,
            Options(current, target, releases, request.ViaLatestPatch));
    }

    /// <summary>
    /// What kubeadm upgrade plan shows beside the chosen path: the latest patch of the current minor alone, and the same
    /// target through that patch first (or directly, when the patch step was asked for).
    /// </summary>
    public static IReadOnlyList<PathOption> Options(KubeVersion current, KubeVersion target, ReleaseTable releases, bool viaLatestPatch)
    {
        var options = new List<PathOption>();
        if (target <= current || releases.Find(current)?.Latest is not { } latest || latest <= current)
        {
            return options;
        }

        if (!target.SameMinor(current))
        {
            options.Add(viaLatestPatch
                ? new PathOption("directly to the next minor (kubeadm upgrades from any patch; every node drains once less)",
                    [.. Path(current, target, releases, viaLatestPatch: false).Select(v => v.Text)], "without --via-latest-patch")
                : new PathOption($"through the latest patch of {current.MinorText} first (every node drains once more)",
                    [.. Path(current, target, releases, viaLatestPatch: true).Select(v => v.Text)], "--via-latest-patch"));
        }

        if (target != latest)
        {
            options.Add(new PathOption($"only the latest patch of {current.MinorText}", [latest.Text], $"--to {current.MinorText}"));
        }

        return options;
    }

    /// <summary>The target --to names: a full version, a minor's latest patch, or without --to the newest release.</summary>
    public static KubeVersion ResolveTarget(string? to, ReleaseTable releases, KubeVersion current)
    {
        if (string.IsNullOrWhiteSpace(to))
        {
            var newest = releases.Minors[^1].Latest;
            return newest > current ? newest : current;
        }

        if (KubeVersion.ParseMinor(to) is { } minor)
        {
            return releases.Find(minor.Major, minor.Minor)?.Latest ?? throw NotInTable($"v{minor.Major}.{minor.Minor}", releases);
        }

        if (!KubeVersion.TryParse(to, out var exact))
        {
            throw new PitcrewException($"--to {to}: expected a version such as v1.30.4 or a minor such as v1.30", ExitCodes.Usage);
        }

        var release = releases.Find(exact) ?? throw NotInTable(exact.MinorText, releases);
        return exact <= release.Latest ? exact : throw NotInTable(exact.Text, releases);
    }

    /// <summary>
    /// Versions to go through, in order, ending at the target; empty when there is nothing to do or the target is older.
    /// With <paramref name="viaLatestPatch"/> the latest patch of the current minor comes first.
    /// </summary>
    public static IReadOnlyList<KubeVersion> Path(KubeVersion current, KubeVersion target, ReleaseTable releases, bool viaLatestPatch)
    {
        if (target <= current)
        {
            return [];
        }

        var path = new List<KubeVersion>();
        var currentLatest = releases.Find(current)?.Latest;
        if (viaLatestPatch && !target.SameMinor(current) && currentLatest is not null && currentLatest > current)
        {
            path.Add(currentLatest);
        }

        for (var minor = current.Minor + 1; target.Major == current.Major && minor < target.Minor; minor++)
        {
            // A minor missing from the table still gets a step (at .0) so the path never skips a minor; the checks say so.
            path.Add(releases.Find(current.Major, minor)?.Latest ?? new KubeVersion(current.Major, minor, 0));
        }

        path.Add(target);
        return path;
    }

    private static UpgradeStep Step(int number, KubeVersion from, KubeVersion to, ClusterVersions cluster, ReleaseTable releases, Runbook runbook, bool first)
    {
        string Was(string? actual) => first ? actual ?? "unknown" : from.Text;
        var kubelets = cluster.Ordered.Select(n => new ComponentChange("kubelet", n.Name, Was(n.Kubelet?.Text), to.Text)).ToList();
        var release = releases.Find(to);
        var controlPlane = new List<ComponentChange>();
        foreach (var component in new[] { ClusterVersions.ApiServerComponent, ClusterVersions.ControllerManagerComponent, ClusterVersions.SchedulerComponent })
        {
            controlPlane.AddRange(cluster.Pods(component).Select(p => new ComponentChange(component, p.Node, Was(p.Tag), to.Text)));
        }

        controlPlane.Add(new ComponentChange("kube-proxy", null, Was(Tag(cluster.KubeProxyImage)), to.Text));
        controlPlane.Add(new ComponentChange("CoreDNS", null, first ? Tag(cluster.CoreDnsImage) ?? "unknown" : releases.Find(from)?.CoreDns ?? "unknown", release?.CoreDns ?? "unknown"));
        controlPlane.AddRange(cluster.Pods(ClusterVersions.EtcdComponent).Select(p =>
            new ComponentChange("etcd", p.Node, first ? p.Tag : releases.Find(from)?.Etcd ?? p.Tag, release?.Etcd ?? p.Tag)));

        var controlPlanes = cluster.Ordered.Where(n => n.ControlPlane).Select(n => n.Name).ToList();
        var workers = cluster.Ordered.Where(n => !n.ControlPlane).Select(n => n.Name).ToList();
        var commands = new List<RoleCommands>();
        void Add(NodeRole role, IReadOnlyList<string> nodes)
        {
            if (nodes.Count > 0)
            {
                commands.Add(new RoleCommands(Runbook.RoleName(role), nodes, [.. RunbookRenderer.Render(runbook, role, to, nodes[0]).Select(s => $"{s.Name}: {s.Display}")]));
            }
        }

        Add(NodeRole.FirstControlPlane, controlPlanes.Take(1).ToList());
        Add(NodeRole.ControlPlane, controlPlanes.Skip(1).ToList());
        Add(NodeRole.Worker, workers);
        var description = to.SameMinor(from) ? $"the latest patch of {to.MinorText}" : $"the latest version in the {to.MinorText} series";
        if (release is not null && to != release.Latest)
        {
            description = $"{to.Text} in the {to.MinorText} series";
        }

        return new UpgradeStep(number, from.Text, to.Text, description, kubelets, controlPlane, commands);
    }

    private static string? Tag(string? image) => image is null ? null : image[(image.LastIndexOf(':') + 1)..];

    private static PitcrewException NotInTable(string version, ReleaseTable releases) => new(
        $"{version} is not in the release table (newest: {releases.Minors[^1].Latest.Text}, data as of {releases.AsOf:yyyy-MM-dd}); pass --releases FILE with newer data",
        ExitCodes.Usage);
}
