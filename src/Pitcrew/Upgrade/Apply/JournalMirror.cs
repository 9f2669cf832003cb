using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// The journal's copy in the cluster: ConfigMap kube-system/pitcrew-upgrade-journal, so a resume from another
/// workstation finds it. Best effort: the API server restarts during kubeadm upgrade apply, so a failed write is
/// reported once and the next save tries again; the local file stays the first source.
/// </summary>
internal sealed class JournalMirror(IKubernetes client, Action<string> log)
{
    private bool _warned;

    public async Task SaveAsync(UpgradeJournal journal, CancellationToken cancellationToken)
    {
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = UpgradeJournal.ConfigMapName,
                NamespaceProperty = MaintenanceLock.Namespace,
                Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "pitcrew" },
            },
            Data = new Dictionary<string, string> { [UpgradeJournal.ConfigMapKey] = journal.ToJson() },
        };
        try
        {
            try
            {
                await client.CoreV1.ReplaceNamespacedConfigMapAsync(map, UpgradeJournal.ConfigMapName, MaintenanceLock.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                await client.CoreV1.CreateNamespacedConfigMapAsync(map, MaintenanceLock.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            _warned = false;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            if (!_warned)
            {
                log($"could not mirror the journal into {MaintenanceLock.Namespace}/{UpgradeJournal.ConfigMapName} ({e.Message}); the local journal is current, retrying at the next step");
                _warned = true;
            }
        }
    }

    /// <summary>The journal in the cluster, or null when there is none.</summary>
    public async Task<UpgradeJournal?> LoadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var map = await client.CoreV1.ReadNamespacedConfigMapAsync(UpgradeJournal.ConfigMapName, MaintenanceLock.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return map.Data?.TryGetValue(UpgradeJournal.ConfigMapKey, out var json) == true
                ? UpgradeJournal.FromJson(json, $"configmap {MaintenanceLock.Namespace}/{UpgradeJournal.ConfigMapName}")
                : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
