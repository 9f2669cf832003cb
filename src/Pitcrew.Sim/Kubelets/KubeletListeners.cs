using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.Kubelets;

/// <summary>
/// Keeps one port-10250 listener per simulated node at its InternalIP: serving TLS while the kubelet runs, closed on
/// kubelet-stop (connections refused), a black hole on network-partition (connects time out); started in parallel.
/// </summary>
internal sealed class KubeletListeners(KubeletCertificates certificates) : IController, IAsyncDisposable
{
    /// <summary>When the node's kubelet serving certificate expires (set from the scenario's kubeletCertExpiresIn).</summary>
    public const string CertNotAfterAnnotation = "sim.pitcrew.dev/kubelet-cert-not-after";

    private readonly Dictionary<string, (string Address, PortMode Mode, KubeletListener? Listener)> _nodes = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started = DateTimeOffset.UtcNow;

    public bool TimeDriven => false;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var changes = new List<(string Name, string Address, PortMode Mode, DateTimeOffset NotAfter)>();
        foreach (var node in cache.List(Resources.Nodes))
        {
            var name = Resources.Name(node);
            seen.Add(name);
            if (Address(node) is not { } address || !address.StartsWith("127.", StringComparison.Ordinal))
            {
                continue;
            }

            var faults = NodeFaults.Of(node);
            var mode = faults.Contains(NodeFaults.NetworkPartition) ? PortMode.Unreachable : faults.Contains(NodeFaults.KubeletStop) ? PortMode.Closed : PortMode.Serving;
            if (!_nodes.TryGetValue(name, out var current) || current.Address != address || current.Mode != mode)
            {
                changes.Add((name, address, mode, NotAfter(node)));
            }
        }

        foreach (var gone in _nodes.Keys.Where(n => !seen.Contains(n)).ToList())
        {
            await StopAsync(gone).ConfigureAwait(false);
        }

        await Parallel.ForEachAsync(changes, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (change, ct) =>
        {
            KubeletListener? old;
            lock (_nodes)
            {
                old = _nodes.TryGetValue(change.Name, out var entry) ? entry.Listener : null;
                _nodes[change.Name] = (change.Address, change.Mode, null);
            }

            if (old is not null)
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }

            KubeletListener? listener = null;
            if (change.Mode != PortMode.Closed)
            {
                try
                {
                    listener = await KubeletListener.StartAsync(change.Address, change.Mode, () => certificates.For(change.Name, change.Address, change.NotAfter), ct)
                        .ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException e)
                {
                    SimLog.Warn($"kubelet port of {change.Name} at {change.Address}: {e.Message}");
                }
            }

            lock (_nodes)
            {
                _nodes[change.Name] = (change.Address, change.Mode, listener);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>The serving certificate the node's kubelet port presents (made on first use), or null for a node without a loopback address.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? CertificateOf(JsonObject node) =>
        Address(node) is { } address && address.StartsWith("127.", StringComparison.Ordinal) ? certificates.For(Resources.Name(node), address, NotAfter(node)) : null;

    private DateTimeOffset NotAfter(JsonObject node) =>
        Resources.Time(ObjectMeta.Metadata(node)["annotations"]?[CertNotAfterAnnotation]) ?? _started + KubeletCertificates.DefaultLifetime;

    private static string? Address(JsonObject node) =>
        (string?)(node["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(a => (string?)a["type"] == "InternalIP")?["address"];

    private async Task StopAsync(string name)
    {
        KubeletListener? listener;
        lock (_nodes)
        {
            listener = _nodes.TryGetValue(name, out var entry) ? entry.Listener : null;
            _nodes.Remove(name);
        }

        if (listener is not null)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<KubeletListener> listeners;
        lock (_nodes)
        {
            listeners = [.. _nodes.Values.Select(v => v.Listener).OfType<KubeletListener>()];
            _nodes.Clear();
        }

        foreach (var listener in listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        certificates.Dispose();
    }
}
