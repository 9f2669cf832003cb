using System.IO.Compression;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// The journal's copy in the cluster: ConfigMap kube-system/pitcrew-upgrade-journal, so a resume from another
/// workstation finds it. The copy holds each step's last state, compact and gzipped (binaryData), which keeps it far
/// under the API server's 1 MiB object limit on large clusters. Writes happen off the run's path: the latest journal
/// offered is written by one writer at a time (older ones are skipped), and <see cref="FlushAsync"/> waits for the
/// last. Best effort: the API server restarts during kubeadm upgrade apply, so a failed write is reported once and the
/// next one tries again; the local file stays the first source.
/// </summary>
internal sealed class JournalMirror(IKubernetes client, Action<string> log)
{
    public const string BinaryKey = "journal.json.gz";

    private readonly Lock _gate = new();
    private UpgradeJournal? _pending;
    private Task _writer = Task.CompletedTask;
    private bool _warned;

    /// <summary>Queues the journal for the cluster copy; returns at once.</summary>
    public void Offer(UpgradeJournal journal)
    {
        lock (_gate)
        {
            _pending = journal;
            if (_writer.IsCompleted)
            {
                _writer = Task.Run(DrainAsync);
            }
        }
    }

    /// <summary>Waits until the latest journal offered is written (or failed to be).</summary>
    public async Task FlushAsync()
    {
        Task writer;
        lock (_gate)
        {
            writer = _writer;
        }

        await writer.ConfigureAwait(false);
    }

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
            BinaryData = new Dictionary<string, byte[]> { [BinaryKey] = Compress(journal.Compacted().ToCompactJson()) },
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
            var source = $"configmap {MaintenanceLock.Namespace}/{UpgradeJournal.ConfigMapName}";
            if (map.BinaryData?.TryGetValue(BinaryKey, out var packed) == true)
            {
                return UpgradeJournal.FromJson(Decompress(packed), source);
            }

            return map.Data?.TryGetValue(UpgradeJournal.ConfigMapKey, out var json) == true ? UpgradeJournal.FromJson(json, source) : null;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static byte[] Compress(string text)
    {
        using var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.Optimal))
        {
            gzip.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }

        return packed.ToArray();
    }

    public static string Decompress(byte[] packed)
    {
        using var gzip = new GZipStream(new MemoryStream(packed), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, System.Text.Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            UpgradeJournal? next;
            lock (_gate)
            {
                next = _pending;
                _pending = null;
                if (next is null)
                {
                    return;
                }
            }

            await SaveAsync(next, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
