using Pitcrew.Doctor;

namespace Pitcrew.Certs;

/// <summary>A node to check: its name and whether it is a control plane (kubeadm's certificates live only there).</summary>
internal sealed record CertsNode(string Name, bool ControlPlane);

/// <summary>A kubelet certificate on a node: its client certificate or its serving one.</summary>
internal sealed record KubeletCertificateRow(string Certificate, string File, DateTimeOffset Expires, string ResidualTime, string Issuer);

/// <summary>What one node holds: kubeadm's rows (a control plane's, as check-expiration lists them) and the kubelet's.</summary>
internal sealed record NodeCertificates(string Node, bool ControlPlane, IReadOnlyList<CertificateRow> Kubeadm, IReadOnlyList<KubeletCertificateRow> Kubelet)
{
    public const string KubeletClientFile = "/var/lib/kubelet/pki/kubelet-client-current.pem";
    public const string KubeletServingFile = "/var/lib/kubelet/pki/kubelet.crt";

    /// <summary>The kubelet's certificates, by the names certs check gives them.</summary>
    public static readonly IReadOnlyList<(string Name, string File)> KubeletFiles = [("kubelet-client", KubeletClientFile), ("kubelet-serving", KubeletServingFile)];

    /// <summary>One item per certificate, as -o json lists them.</summary>
    public IEnumerable<CertificateItem> Items() =>
        Kubeadm.Select(r => new CertificateItem(Node, r.Certificate, "kubeadm", r.Expires, r.ResidualTime, r.Authority, r.IsAuthority, r.ExternallyManaged))
            .Concat(Kubelet.Select(k => new CertificateItem(Node, k.Certificate, "kubelet", k.Expires, k.ResidualTime, k.Issuer, false, false) { File = k.File }));
}

/// <summary>One certificate as `pitcrew certs check -o json` lists it.</summary>
/// <param name="Kind">kubeadm (check-expiration's rows) or kubelet.</param>
/// <param name="Authority">A leaf's CA (kubeadm's name; the issuer's common name for a kubelet's); null for a CA.</param>
public sealed record CertificateItem(string Node, string Name, string Kind, DateTimeOffset Expires, string Residual, string? Authority, bool IsAuthority, bool ExternallyManaged)
{
    /// <summary>Where a kubelet's certificate was read; kubeadm's are where kubeadm keeps them.</summary>
    public string? File { get; init; }
}
