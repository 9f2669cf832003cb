using System.Net;
using k8s;
using k8s.Autorest;
using Pitcrew.Cluster;

namespace Pitcrew.Upgrade;

/// <summary>The upgrade port over the official client: reads versions the way kubeadm upgrade plan does.</summary>
internal sealed partial class KubeUpgradeApi(IKubernetes client, KubeVersion? kubectl, HttpClient? raw = null) : IUpgradeApi
{
    private static readonly string[] Pressures = ["MemoryPressure", "DiskPressure", "PIDPressure"];

    private const string KubeSystem = "kube-system";

    private const string ControlPlaneLabel = "node-role.kubernetes.io/control-plane";

    /// <summary>Nodes per list request.</summary>
    private const int PageSize = 500;

    public async Task<ClusterVersions> ReadVersionsAsync(CancellationToken cancellationToken)
    {
        var version = await Call(() => client.Version.GetCodeAsync(cancellationToken)).ConfigureAwait(false);
        var apiServer = KubeVersion.TryParse(version.GitVersion, out var served)
            ? served
            : throw new PitcrewException($"kube-apiserver reports version \"{version.GitVersion}\", which is not a release version", ExitCodes.Failed);
        var config = await Optional(() => client.CoreV1.ReadNamespacedConfigMapAsync("kubeadm-config", KubeSystem, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var configured = config?.Data?.TryGetValue("ClusterConfiguration", out var text) == true && KubernetesVersionLine().Match(text) is { Success: true } match
            && KubeVersion.TryParse(match.Groups[1].Value, out var parsed) ? parsed : null;

        var nodes = (await ListNodesAsync(cancellationToken).ConfigureAwait(false))
            .Select(n => new NodeVersion(n.Name, n.Labels.ContainsKey(ControlPlaneLabel), KubeVersion.TryParse(n.KubeletVersion, out var kubelet) ? kubelet : null))
            .ToList();

        var pods = await Call(() => client.CoreV1.ListNamespacedPodAsync(KubeSystem, labelSelector: "tier=control-plane", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var controlPlane = pods.Items
            .Where(p => p.Metadata.Labels?.ContainsKey("component") == true && p.Spec?.NodeName is not null && p.Spec.Containers?.Count > 0)
            .Select(p => new ControlPlanePod(p.Spec.NodeName, p.Metadata.Labels["component"], p.Spec.Containers[0].Image))
            .ToList();
        var proxy = await Optional(() => client.AppsV1.ReadNamespacedDaemonSetAsync("kube-proxy", KubeSystem, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var dns = await Optional(() => client.AppsV1.ReadNamespacedDeploymentAsync("coredns", KubeSystem, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new ClusterVersions(apiServer, configured, nodes, controlPlane,
            proxy?.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Image, dns?.Spec?.Template?.Spec?.Containers?.FirstOrDefault()?.Image, kubectl);
    }

    public async Task<Preflight.ClusterHealth> ReadHealthAsync(CancellationToken cancellationToken)
    {
        var nodes = (await ListNodesAsync(cancellationToken).ConfigureAwait(false))
            .Select(n => new Preflight.NodeHealth(n.Name, n.Labels.ContainsKey(ControlPlaneLabel), n.Condition("Ready")?.Status ?? "Unknown",
                [.. n.Conditions.Where(c => Pressures.Contains(c.Type) && c.Status == "True").Select(c => c.Type)]))
            .ToList();

        var pods = await Call(() => client.CoreV1.ListNamespacedPodAsync(KubeSystem, labelSelector: "tier=control-plane", cancellationToken: cancellationToken)).ConfigureAwait(false);
        var controlPlane = pods.Items.Where(p => p.Metadata.Labels?.ContainsKey("component") == true && p.Spec?.NodeName is not null)
            .Select(p => new Preflight.ControlPlanePodHealth(p.Metadata.Labels["component"], p.Spec.NodeName, p.Status?.Phase ?? "Unknown",
                p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
                p.Status?.ContainerStatuses?.Select(c => c.State?.Waiting?.Reason).FirstOrDefault(r => r is not null)))
            .ToList();
        var pending = await Call(() => client.CoreV1.ListPodForAllNamespacesAsync(fieldSelector: "status.phase=Pending", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new Preflight.ClusterHealth(nodes, controlPlane, [.. pending.Items.Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}")],
            await DeprecatedRequestsAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Every node, page by page, read as the cluster read model reads it.</summary>
    private async Task<List<NodeFacts>> ListNodesAsync(CancellationToken cancellationToken)
    {
        var nodes = new List<NodeFacts>();
        string? next = null;
        do
        {
            var page = await Call(() => client.CoreV1.ListNodeAsync(continueParameter: next, limit: PageSize, cancellationToken: cancellationToken)).ConfigureAwait(false);
            nodes.AddRange(page.Items.Select(KubeFacts.Node));
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));
        return nodes;
    }

    /// <summary>kube-apiserver's apiserver_requested_deprecated_apis series; null when /metrics cannot be read.</summary>
    private async Task<IReadOnlyList<Preflight.DeprecatedApiRequest>?> DeprecatedRequestsAsync(CancellationToken cancellationToken)
    {
        if (raw is null)
        {
            return null;
        }

        try
        {
            using var response = await raw.GetAsync(new Uri("metrics", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return [.. DeprecatedSeries().Matches(text).Select(m => Labels(m.Groups[1].Value)).Select(l => new Preflight.DeprecatedApiRequest(
                l.GetValueOrDefault("group") ?? string.Empty, l.GetValueOrDefault("version") ?? string.Empty, l.GetValueOrDefault("resource") ?? string.Empty,
                l.GetValueOrDefault("removed_release")))];
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> Labels(string text) =>
        LabelPair().Matches(text).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^apiserver_requested_deprecated_apis\{([^}]*)\}")]
    private static partial System.Text.RegularExpressions.Regex DeprecatedSeries();

    [System.Text.RegularExpressions.GeneratedRegex(@"(\w+)=""([^""]*)""")]
    private static partial System.Text.RegularExpressions.Regex LabelPair();

    private static async Task<T?> Optional<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (HttpOperationException e)
        {
            throw ServerError(e);
        }
    }

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException e)
        {
            throw ServerError(e);
        }
        catch (HttpRequestException e)
        {
            throw new PitcrewException($"cannot reach the cluster: {e.Message}", ExitCodes.Unavailable, e);
        }
    }

    private static ServerErrorException ServerError(HttpOperationException e)
    {
        var code = (int)e.Response.StatusCode is 401 or 403 ? ExitCodes.TlsOrAuth : ExitCodes.Failed;
        return new ServerErrorException($"Error from server ({e.Response.StatusCode}): {e.Response.Content}", code, e);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^kubernetesVersion:\s*(\S+)\s*$")]
    private static partial System.Text.RegularExpressions.Regex KubernetesVersionLine();
}
