using k8s;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Upgrade;

/// <summary>What upgrade apply's health gates read: nodes, versions, workloads, crash-looping pods, budgets.</summary>
internal interface IGateApi
{
    Task<GateFacts> ReadGateFactsAsync(CancellationToken cancellationToken);
}

internal sealed partial class KubeUpgradeApi : IGateApi
{
    private const int PageSize = 500;

    public async Task<GateFacts> ReadGateFactsAsync(CancellationToken cancellationToken)
    {
        var versions = await ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
        var nodes = new List<GateNode>();
        string? next = null;
        do
        {
            var page = await Call(() => client.CoreV1.ListNodeAsync(continueParameter: next, limit: PageSize, cancellationToken: cancellationToken)).ConfigureAwait(false);
            nodes.AddRange(page.Items.Select(n => new GateNode(
                n.Metadata.Name,
                n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                n.Spec?.Unschedulable == true,
                KubeVersion.TryParse(n.Status?.NodeInfo?.KubeletVersion, out var kubelet) ? kubelet : null)));
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        var workloads = new List<WorkloadState>();
        var deployments = await Call(() => client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        workloads.AddRange(deployments.Items.Select(d => new WorkloadState($"Deployment {d.Metadata.NamespaceProperty}/{d.Metadata.Name}", d.Spec?.Replicas ?? 1, d.Status?.ReadyReplicas ?? 0)));
        var statefulSets = await Call(() => client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        workloads.AddRange(statefulSets.Items.Select(s => new WorkloadState($"StatefulSet {s.Metadata.NamespaceProperty}/{s.Metadata.Name}", s.Spec?.Replicas ?? 1, s.Status?.ReadyReplicas ?? 0)));
        var daemonSets = await Call(() => client.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        workloads.AddRange(daemonSets.Items.Select(d => new WorkloadState($"DaemonSet {d.Metadata.NamespaceProperty}/{d.Metadata.Name}", d.Status?.DesiredNumberScheduled ?? 0, d.Status?.NumberReady ?? 0,
            RolloutSlack(d))));

        var crashLooping = new HashSet<string>(StringComparer.Ordinal);
        next = null;
        do
        {
            var page = await Call(() => client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, limit: PageSize, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var pod in page.Items.Where(p => p.Status?.ContainerStatuses?.Any(c => c.State?.Waiting?.Reason == "CrashLoopBackOff") == true))
            {
                var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
                crashLooping.Add(owner is null ? $"Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}" : $"{owner.Kind} {pod.Metadata.NamespaceProperty}/{owner.Name}");
            }

            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

        var budgets = await Call(() => client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new GateFacts(nodes, versions, workloads, crashLooping,
            [.. budgets.Items.Where(b => b.Status is not null).Select(b => new BudgetState($"{b.Metadata.NamespaceProperty}/{b.Metadata.Name}", b.Status.CurrentHealthy ?? 0, b.Status.DesiredHealthy ?? 0))]);
    }

    /// <summary>A DaemonSet rolling out (not every node runs the current template) may have maxUnavailable pods down (default 1; a percentage rounds up).</summary>
    internal static int RolloutSlack(k8s.Models.V1DaemonSet daemonSet)
    {
        var status = daemonSet.Status;
        if (status?.UpdatedNumberScheduled is not { } updated || updated >= status.DesiredNumberScheduled || daemonSet.Spec?.UpdateStrategy?.Type == "OnDelete")
        {
            return 0;
        }

        var max = daemonSet.Spec?.UpdateStrategy?.RollingUpdate?.MaxUnavailable?.Value;
        if (max is null)
        {
            return 1;
        }

        if (max.EndsWith('%') && int.TryParse(max[..^1], System.Globalization.CultureInfo.InvariantCulture, out var percent))
        {
            return Math.Max(1, (int)Math.Ceiling(percent * status.DesiredNumberScheduled / 100.0));
        }

        return int.TryParse(max, System.Globalization.CultureInfo.InvariantCulture, out var count) ? Math.Max(1, count) : 1;
    }
}
