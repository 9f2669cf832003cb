using Pitcrew.Cluster;
using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>
/// The doctor's reads other commands reuse (upgrade preflight): the etcd members' status, and the serving certificates
/// of the API server, the kubelets and the etcd members as seen in TLS handshakes.
/// </summary>
internal static class DoctorGathering
{
    /// <summary>Every member's status through the member list; when the list fails, each endpoint given as it answers.</summary>
    public static async Task<IReadOnlyList<EndpointStatus>> EtcdMembersAsync(EtcdConnectionOptions etcd, CancellationToken cancellationToken)
    {
        try
        {
            return await EtcdEndpoints.StatusAsync(etcd, wholeCluster: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.PitcrewException)
        {
            return await EtcdEndpoints.StatusAsync(etcd, wholeCluster: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The member list from the first endpoint that gives one, and the status of every member's client URLs (and of the
    /// endpoints given that no member lists); without a member list, each endpoint given as it answers.
    /// </summary>
    public static async Task<EtcdClusterView> EtcdClusterAsync(EtcdConnectionOptions etcd, CancellationToken cancellationToken)
    {
        IReadOnlyList<EtcdMemberInfo>? members = null;
        try
        {
            members = await EtcdEndpoints.MemberListAsync(etcd, cancellationToken).ConfigureAwait(false);
        }
        catch (Errors.PitcrewException) when (!cancellationToken.IsCancellationRequested)
        {
            // No endpoint lists the members: the statuses below say why each did not answer.
        }

        var urls = (members ?? []).SelectMany(m => m.ClientUrls.Take(1)).ToList();
        urls.AddRange(etcd.Endpoints.Where(e => !urls.Any(u => EtcdClusterView.SameEndpoint(u, e)) && (members is null || !members.Any(m => m.ClientUrls.Any(u => EtcdClusterView.SameEndpoint(u, e))))));
        var statuses = await EtcdEndpoints.StatusAsync(etcd with { Endpoints = urls }, wholeCluster: false, cancellationToken).ConfigureAwait(false);
        return new EtcdClusterView(members ?? [], statuses, etcd);
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
