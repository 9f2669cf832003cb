namespace Pitcrew.Upgrade.Apply;

/// <summary>A version-skew rule broken at this moment.</summary>
internal sealed record SkewViolation(string Subject, string Reason);

/// <summary>
/// The skew policy checked on the running cluster, at any moment of an upgrade: kube-apiserver instances within one
/// minor of each other; kubelets never newer than the oldest kube-apiserver and at most three minors older than the
/// newest (two for kubelets older than 1.25); controller-manager and scheduler never newer than the kube-apiserver on
/// their node and at most one minor older than the newest.
/// </summary>
internal static class LiveSkew
{
    public static IReadOnlyList<SkewViolation> Check(ClusterVersions cluster)
    {
        var apiServers = cluster.Pods(ClusterVersions.ApiServerComponent)
            .Select(p => (p.Node, Version: KubeVersion.FromImage(p.Image))).Where(p => p.Version is not null).Select(p => (p.Node, Version: p.Version!)).ToList();
        var oldest = apiServers.Count > 0 ? apiServers.Min(a => a.Version)! : cluster.ApiServer;
        var newest = apiServers.Count > 0 ? apiServers.Max(a => a.Version)! : cluster.ApiServer;
        var violations = new List<SkewViolation>();
        if (newest.MinorsAhead(oldest) > SkewPolicy.ApiServerInstanceSkew)
        {
            violations.Add(new SkewViolation("kube-apiserver", $"instances span {oldest} to {newest}, more than one minor apart"));
        }

        foreach (var node in cluster.Nodes.Where(n => n.Kubelet is not null))
        {
            var kubelet = node.Kubelet!;
            var allowed = kubelet.Minor < SkewPolicy.ThreeMinorKubeletSince ? SkewPolicy.OldKubeletMinorsBehind : SkewPolicy.KubeletMinorsBehind;
            if (kubelet.MinorsAhead(oldest) > 0)
            {
                violations.Add(new SkewViolation($"node/{node.Name}", $"kubelet {kubelet} is newer than kube-apiserver {oldest}"));
            }
            else if (newest.MinorsAhead(kubelet) > allowed)
            {
                violations.Add(new SkewViolation($"node/{node.Name}", $"kubelet {kubelet} is more than {allowed} minors older than kube-apiserver {newest}"));
            }
        }

        foreach (var component in new[] { ClusterVersions.ControllerManagerComponent, ClusterVersions.SchedulerComponent })
        {
            foreach (var pod in cluster.Pods(component))
            {
                if (KubeVersion.FromImage(pod.Image) is not { } version)
                {
                    continue;
                }

                var local = apiServers.FirstOrDefault(a => a.Node == pod.Node).Version ?? oldest;
                if (version.MinorsAhead(local) > 0)
                {
                    violations.Add(new SkewViolation($"{component}-{pod.Node}", $"{version} is newer than the kube-apiserver it talks to ({local})"));
                }
                else if (newest.MinorsAhead(version) > SkewPolicy.ControllerMinorsBehind)
                {
                    violations.Add(new SkewViolation($"{component}-{pod.Node}", $"{version} is more than one minor older than kube-apiserver {newest}"));
                }
            }
        }

        return violations;
    }
}
