using Pitcrew.Cluster;
using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>
/// The doctor's reads other commands reuse (upgrade preflight): the etcd members' status, and the serving certificates
/// of the API server, the kubelets and the etcd members as seen in TLS handshakes.
/// </summary>
internal static class DoctorGathering
{
    /// <summary>
    /// The member list and every member's status read through its own client URL (<see cref="EtcdEndpoints.MembersAsync"/>);
    /// without a member list, each endpoint given as it answers. A member never started has no status of its own.
    /// </summary>
    public static async Task<EtcdClusterView> EtcdClusterAsync(EtcdConnectionOptions etcd, CancellationToken cancellationToken)
    {
        var read = await EtcdEndpoints.MembersAsync(etcd, cancellationToken).ConfigureAwait(false);
        return new EtcdClusterView([.. read.Where(m => m.Member is not null).Select(m => m.Member!)],
            [.. read.Where(m => m.ClientUrls.Count > 0).Select(m => m.Status)], etcd);
    }

    /// <summary>The API server's serving certificate from a probe of its endpoint; null when none was shown.</summary>
    public static SeenCertificate? ApiServer(ProbeResult? probe) => probe is { Certificate: { } certificate }
        ? new SeenCertificate(CertificateSource.ApiServer, new ObjectRef("Endpoint", null, probe.Endpoint), $"TLS handshake {probe.Endpoint}", certificate)
        : null;

    /// <summary>The kubelets' serving certificates from probes whose target is the node name.</summary>
    public static IEnumerable<SeenCertificate> Kubelets(IEnumerable<ProbeResult> probes) => probes.Where(p => p.Certificate is not null)
        .Select(p => new SeenCertificate(CertificateSource.Kubelet, new ObjectRef("Node", null, p.Target), $"TLS handshake {p.Endpoint}", p.Certificate!));

    /// <summary>Probes each node's kubelet port (10250 unless the node says otherwise) at its InternalIP.</summary>
    public static Task<IReadOnlyList<ProbeResult>> ProbeKubeletsAsync(IEnumerable<NodeFacts> nodes, int concurrency, TimeSpan timeout, CancellationToken cancellationToken) =>
        TlsProbe.ProbeAllAsync(nodes.Where(n => n.InternalIp is not null).Select(n => (n.Name, n.InternalIp!, n.KubeletPort)), concurrency, timeout, cancellationToken);

    /// <summary>The serving certificates of the etcd members that speak TLS (https endpoints, or bare ones when TLS material is given).</summary>
    public static async Task<IReadOnlyList<SeenCertificate>> EtcdCertificatesAsync(IReadOnlyList<EndpointStatus> members, EtcdConnectionOptions? etcd, int concurrency,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var targets = members.Select(m => Uri.TryCreate(m.Endpoint.Contains("://", StringComparison.Ordinal) ? m.Endpoint : (etcd?.HasTlsMaterial == true ? "https://" : "http://") + m.Endpoint,
                UriKind.Absolute, out var uri) ? uri : null)
            .Where(u => u is { Scheme: "https" }).Select(u => (u!.ToString(), u.Host, u.Port)).ToList();
        var probes = await TlsProbe.ProbeAllAsync(targets, concurrency, timeout, cancellationToken).ConfigureAwait(false);
        return [.. probes.Where(p => p.Certificate is not null)
            .Select(p => new SeenCertificate(CertificateSource.Etcd, new ObjectRef("EtcdMember", null, p.Endpoint), $"TLS handshake {p.Endpoint}", p.Certificate!))];
    }
}
