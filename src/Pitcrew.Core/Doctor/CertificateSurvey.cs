namespace Pitcrew.Doctor;

/// <summary>The serving certificates read from TLS handshakes, and the endpoints that showed none (refused, timed out).</summary>
internal sealed record CertificateSurvey(IReadOnlyList<SeenCertificate> Seen, IReadOnlyList<string> Unread)
{
    /// <summary>
    /// The live certificates the doctor and upgrade preflight both read: the API server's from a probe of its endpoint,
    /// every kubelet's, and the etcd members' that speak TLS; what could not be read is named, not skipped silently.
    /// </summary>
    public static CertificateSurvey From(ProbeResult? apiServer, IReadOnlyList<ProbeResult> kubelets, IReadOnlyList<SeenCertificate> etcd)
    {
        var seen = new List<SeenCertificate>();
        var unread = new List<string>();
        if (DoctorGathering.ApiServer(apiServer) is { } apiCertificate)
        {
            seen.Add(apiCertificate);
        }
        else if (apiServer is not null)
        {
            unread.Add($"kube-apiserver {apiServer.Endpoint} ({apiServer.Error ?? apiServer.Outcome.ToString().ToLowerInvariant()})");
        }

        seen.AddRange(DoctorGathering.Kubelets(kubelets));
        unread.AddRange(kubelets.Where(p => p.Certificate is null).OrderBy(p => p.Target, StringComparer.Ordinal)
            .Select(p => $"kubelet on {p.Target} {p.Endpoint} ({p.Outcome.ToString().ToLowerInvariant()})"));
        seen.AddRange(etcd);
        return new CertificateSurvey(seen, unread);
    }
}

/// <summary>One live serving certificate as the certs report lists it: what serves it, where it was seen, when it expires.</summary>
internal sealed record ServingCertificateRow(string Component, string Object, string Endpoint, string Subject, string Issuer, DateTimeOffset Expires, string ResidualTime)
{
    public static ServingCertificateRow Of(SeenCertificate seen, DateTimeOffset now) => new(
        seen.Source switch
        {
            CertificateSource.ApiServer => "kube-apiserver",
            CertificateSource.Kubelet => "kubelet",
            CertificateSource.Etcd => "etcd",
            _ => "kubeadm",
        },
        seen.Object.Name,
        seen.Where.StartsWith("TLS handshake ", StringComparison.Ordinal) ? seen.Where["TLS handshake ".Length..] : seen.Where,
        seen.Certificate.Subject,
        seen.Certificate.Issuer,
        seen.Certificate.NotAfter,
        KubeadmCertificates.Residual(seen.Certificate.NotAfter, now));
}
