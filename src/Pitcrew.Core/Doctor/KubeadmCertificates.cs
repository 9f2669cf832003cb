using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Pitcrew.Doctor;

/// <summary>A row of `kubeadm certs check-expiration`: a leaf (with its CA) or a certificate authority.</summary>
internal sealed record CertificateRow(string Certificate, DateTimeOffset Expires, string ResidualTime, string? Authority, bool ExternallyManaged, bool IsAuthority);

/// <summary>Reads kubeadm's certificates from a pki directory and the kubeconfigs beside it, as kubeadm certs check-expiration lists them.</summary>
internal static partial class KubeadmCertificates
{
    public const string DefaultPkiDirectory = "/etc/kubernetes/pki";

    private static readonly (string Name, string File, string Authority)[] Leaves =
    [
        ("admin.conf", "../admin.conf", "ca"),
        ("apiserver", "apiserver.crt", "ca"),
        ("apiserver-etcd-client", "apiserver-etcd-client.crt", "etcd-ca"),
        ("apiserver-kubelet-client", "apiserver-kubelet-client.crt", "ca"),
        ("controller-manager.conf", "../controller-manager.conf", "ca"),
        ("etcd-healthcheck-client", "etcd/healthcheck-client.crt", "etcd-ca"),
        ("etcd-peer", "etcd/peer.crt", "etcd-ca"),
        ("etcd-server", "etcd/server.crt", "etcd-ca"),
        ("front-proxy-client", "front-proxy-client.crt", "front-proxy-ca"),
        ("scheduler.conf", "../scheduler.conf", "ca"),
        ("super-admin.conf", "../super-admin.conf", "ca"),
    ];

    private static readonly (string Name, string File)[] Authorities = [("ca", "ca"), ("etcd-ca", "etcd/ca"), ("front-proxy-ca", "front-proxy-ca")];

    /// <summary>The rows for the files present, and the certificates to judge; a missing file is skipped as kubeadm does for external etcd.</summary>
    public static (IReadOnlyList<CertificateRow> Rows, IReadOnlyList<SeenCertificate> Seen) Read(string pkiDirectory, DateTimeOffset now)
    {
        var rows = new List<CertificateRow>();
        var seen = new List<SeenCertificate>();
        var external = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (name, file) in Authorities)
        {
            var path = Path.Combine(pkiDirectory, file + ".crt");
            if (Load(path) is not { } ca)
            {
                continue;
            }

            using (ca)
            {
                external[name] = name != "etcd-ca" && !File.Exists(Path.Combine(pkiDirectory, file + ".key"));
                rows.Add(Row(name, ca, null, external[name], true, now));
                seen.Add(new SeenCertificate(CertificateSource.Kubeadm, new ObjectRef("Certificate", null, name), path, TlsProbe.Facts(name, ca)));
            }
        }

        foreach (var (name, file, authority) in Leaves)
        {
            var path = Path.GetFullPath(Path.Combine(pkiDirectory, file));
            if (Load(path) is not { } cert)
            {
                continue;
            }

            using (cert)
            {
                rows.Add(Row(name, cert, authority, external.GetValueOrDefault(authority), false, now));
                seen.Add(new SeenCertificate(CertificateSource.Kubeadm, new ObjectRef("Certificate", null, name), path, TlsProbe.Facts(name, cert)));
            }
        }

        return (rows, seen);
    }

    private static CertificateRow Row(string name, X509Certificate2 cert, string? authority, bool external, bool isAuthority, DateTimeOffset now)
    {
        var expires = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return new CertificateRow(name, expires, Residual(expires, now), authority, external, isAuthority);
    }

    /// <summary>The time left as kubeadm's RESIDUAL TIME column shows it: years, else days/hours, or &lt;invalid&gt; once expired.</summary>
    public static string Residual(DateTimeOffset expires, DateTimeOffset now)
    {
        var left = expires - now;
        return left <= TimeSpan.Zero ? "<invalid>" : left.TotalDays >= 365 ? $"{(int)(left.TotalDays / 365)}y" : Ages.Format(left);
    }

    /// <summary>A PEM certificate file, or the client certificate embedded in a kubeconfig; null when absent.</summary>
    private static X509Certificate2? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path);
        if (path.EndsWith(".conf", StringComparison.Ordinal))
        {
            var match = EmbeddedCertificate().Match(text);
            return match.Success ? X509CertificateLoader.LoadCertificate(Convert.FromBase64String(match.Groups[1].Value)) : null;
        }

        return X509Certificate2.CreateFromPem(text);
    }

    [GeneratedRegex(@"client-certificate-data:\s*(\S+)")]
    private static partial Regex EmbeddedCertificate();
}
