using k8s;
using Pitcrew.Cluster;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Upgrade;

/// <summary>What upgrade apply's health gates read: nodes, versions, workloads, crash-looping pods, budgets.</summary>
internal interface IGateApi
{
    Task<GateFacts> ReadGateFactsAsync(CancellationToken cancellationToken);
}

internal sealed partial class KubeUpgradeApi : IGateApi
{
    public async Task<GateFacts> ReadGateFactsAsync(CancellationToken cancellationToken)
    {
        var versions = await ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
        var nodes = (await ListNodesAsync(cancellationToken).ConfigureAwait(false))
            .Select(n => new GateNode(n.Name, n.Ready, n.Unschedulable, KubeVersion.TryParse(n.KubeletVersion, out var kubelet) ? kubelet : null))
            .ToList();

        var workloads = new List<WorkloadState>();
        var deployments = await Call(() => client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        workloads.AddRange(deployments.Items.Select(d => new WorkloadState($"Deployment {d.Metadata.NamespaceProperty}/{d.Metadata.Name}", d.Spec?.Replicas ?? 1, d.Status?.ReadyReplicas ?? 0)));
        var statefulSets = await Call(() => client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        workloads.AddRange(statefulSets.Items.Select(s => new WorkloadState($"StatefulSet {s.Metadata.NamespaceProperty}/{s.Metadata.Name}", s.Spec?.Replicas ?? 1, s.Status?.ReadyReplicas ?? 0)));
        var daemonSets = await Call(() => client.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
        workloads.AddRange(daemonSets.Items.Select(d => new WorkloadState($"DaemonSet {d.Metadata.NamespaceProperty}/{d.Metadata.Name}", d.Status?.DesiredNumberScheduled ?? 0, d.Status?.NumberReady ?? 0,
            RolloutSlack(d))));

        var crashLooping = new HashSet<string>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await Call(() => client.CoreV1.ListPodForAllNamespacesAsync(continueParameter: next, limit: PageSize, cancellationToken: cancellationToken)).ConfigureAwait(false);
            foreach (var pod in page.Items.Select(KubeFacts.Pod).Where(p => p.Containers.Any(c => c.WaitingReason == "CrashLoopBackOff")))
            {
                crashLooping.Add(pod.Controller is { } owner ? $"{owner.Kind} {pod.Namespace}/{owner.Name}" : $"Pod {pod.Namespace}/{pod.Name}");
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
