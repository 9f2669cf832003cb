using System.Net;
using k8s;
using k8s.Autorest;
using Pitcrew.Errors;

namespace Pitcrew.Upgrade;

/// <summary>The upgrade port over the official client: reads versions the way kubeadm upgrade plan does.</summary>
internal sealed partial class KubeUpgradeApi(IKubernetes client, KubeVersion? kubectl) : IUpgradeApi
{
    private const string KubeSystem = "kube-system";

    public async Task<ClusterVersions> ReadVersionsAsync(CancellationToken cancellationToken)
    {
        var version = await Call(() => client.Version.GetCodeAsync(cancellationToken)).ConfigureAwait(false);
        var apiServer = KubeVersion.TryParse(version.GitVersion, out var served)
            ? served
            : throw new PitcrewException($"kube-apiserver reports version \"{version.GitVersion}\", which is not a release version", ExitCodes.Failed);
        var config = await Optional(() => client.CoreV1.ReadNamespacedConfigMapAsync("kubeadm-config", KubeSystem, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var configured = config?.Data?.TryGetValue("ClusterConfiguration", out var text) == true && KubernetesVersionLine().Match(text) is { Success: true } match
            && KubeVersion.TryParse(match.Groups[1].Value, out var parsed) ? parsed : null;

        var nodes = new List<NodeVersion>();
        string? next = null;
        do
        {
            var page = await Call(() => client.CoreV1.ListNodeAsync(continueParameter: next, limit: 500, cancellationToken: cancellationToken)).ConfigureAwait(false);
            nodes.AddRange(page.Items.Select(n => new NodeVersion(n.Metadata.Name, n.Metadata.Labels?.ContainsKey("node-role.kubernetes.io/control-plane") == true,
                KubeVersion.TryParse(n.Status?.NodeInfo?.KubeletVersion, out var kubelet) ? kubelet : null)));
            next = page.Metadata?.ContinueProperty;
        }
        while (!string.IsNullOrEmpty(next));

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
