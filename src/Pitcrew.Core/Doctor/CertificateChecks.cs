namespace Pitcrew.Doctor;

/// <summary>Where a certificate was seen, which decides the check id and the remedy.</summary>
internal enum CertificateSource
{
    ApiServer,
    Kubelet,
    Etcd,
    Kubeadm,
}

/// <summary>A certificate to judge: where it came from, what it is about, the certificate.</summary>
internal sealed record SeenCertificate(CertificateSource Source, ObjectRef Object, string Where, CertificateFacts Certificate);

/// <summary>Certificate expiry: a warning within 30 days, critical within 7 days or expired (pure).</summary>
internal static class CertificateChecks
{
    public static IEnumerable<Finding> Check(IEnumerable<SeenCertificate> seen, DateTimeOffset now)
    {
        foreach (var cert in seen)
        {
            var left = cert.Certificate.NotAfter - now;
            if (left > Thresholds.CertificateWarning)
            {
                continue;
            }

            var severity = left <= Thresholds.CertificateCritical ? Severity.Critical : Severity.Warning;
            var (id, remedy) = Renewal(cert);
            yield return new Finding(id, severity, cert.Object,
                left <= TimeSpan.Zero ? $"certificate expired {Ages.Format(-left)} ago" : $"certificate expires in {Ages.Format(left)}",
                left <= TimeSpan.Zero ? "the certificate was not renewed in time: clients refuse the connection" : "the certificate is near the end of its validity and has not been renewed",
                [$"{cert.Where}: subject \"{cert.Certificate.Subject}\", issuer \"{cert.Certificate.Issuer}\", not after {Ages.Stamp(cert.Certificate.NotAfter)}"],
                remedy);
        }
    }

    /// <summary>
    /// The check id for a certificate's source, and how to renew it: the Pitcrew command (every control plane, one at a
    /// time, copies kept, the static pods restarted, the served certificate checked), then the kubeadm way by hand.
    /// </summary>
    public static (string Id, string Remedy) Renewal(SeenCertificate cert) => cert.Source switch
    {
        CertificateSource.ApiServer => (CheckIds.CertApiServer,
            $"{Pitcrew("apiserver")}; or on each control-plane node: kubeadm certs renew apiserver, then restart kube-apiserver " +
            "(move its manifest out of /etc/kubernetes/manifests and back)"),
        CertificateSource.Kubelet => (CheckIds.CertKubelet,
            $"the kubelet's serving certificate (/var/lib/kubelet/pki/kubelet.crt) is not renewed by default: on {cert.Object.Name} remove kubelet.crt and kubelet.key and systemctl restart kubelet, " +
            $"or enable serverTLSBootstrap and approve its CSR; pitcrew certs check {cert.Object.Name} --executor ssh shows the files"),
        CertificateSource.Etcd => (CheckIds.CertEtcd,
            $"{Pitcrew("etcd-server etcd-peer")} (restarts etcd on each member's node); or kubeadm certs renew etcd-server (and etcd-peer) on the member's node, then restart etcd"),
        _ => (CheckIds.CertKubeadm,
            $"{Pitcrew(cert.Object.Name)}; or kubeadm certs renew {cert.Object.Name} on this control-plane node, then restart the components that use it"),
    };

    /// <summary>The Pitcrew command that renews these certificates (ssh as the usual executor; local on the node itself, sim on a Pitcrew sim).</summary>
    private static string Pitcrew(string names) =>
        $"pitcrew certs renew {names} --executor ssh --inventory nodes.yaml (--executor local --node NODE on the node itself, --executor sim on a Pitcrew sim; --dry-run shows the plan)";
}
