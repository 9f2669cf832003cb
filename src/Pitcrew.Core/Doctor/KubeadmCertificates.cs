using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Pitcrew.Doctor;

/// <summary>A row of `kubeadm certs check-expiration`: a leaf (with its CA) or a certificate authority.</summary>
internal sealed record CertificateRow(string Certificate, DateTimeOffset Expires, string ResidualTime, string? Authority, bool ExternallyManaged, bool IsAuthority);

/// <summary>One of kubeadm's certificates: its name in `kubeadm certs`, its file relative to the pki dir, and (a leaf's) CA.</summary>
internal sealed record KubeadmCertificateFile(string Name, string File, string? Authority)
{
    public bool IsAuthority => Authority is null;

    public bool IsKubeconfig => File.EndsWith(".conf", StringComparison.Ordinal);

    /// <summary>The file's path under the pki dir (a kubeconfig sits beside it, in its parent).</summary>
    public string PathIn(string pkiDirectory) => Path.GetFullPath(Path.Combine(pkiDirectory, File));

    /// <summary>An authority's key, whose absence makes the CA externally managed.</summary>
    public string KeyPathIn(string pkiDirectory) => Path.ChangeExtension(PathIn(pkiDirectory), ".key");
}

/// <summary>Reads kubeadm's certificates from a pki directory and the kubeconfigs beside it, as kubeadm certs check-expiration lists them.</summary>
internal static partial class KubeadmCertificates
{
    public const string DefaultPkiDirectory = "/etc/kubernetes/pki";

    /// <summary>The leaves in kubeadm's order (the names `kubeadm certs renew` takes).</summary>
    public static readonly IReadOnlyList<KubeadmCertificateFile> Leaves =
    [
        new("admin.conf", "../admin.conf", "ca"),
        new("apiserver", "apiserver.crt", "ca"),
        new("apiserver-etcd-client", "apiserver-etcd-client.crt", "etcd-ca"),
        new("apiserver-kubelet-client", "apiserver-kubelet-client.crt", "ca"),
        new("controller-manager.conf", "../controller-manager.conf", "ca"),
        new("etcd-healthcheck-client", "etcd/healthcheck-client.crt", "etcd-ca"),
        new("etcd-peer", "etcd/peer.crt", "etcd-ca"),
        new("etcd-server", "etcd/server.crt", "etcd-ca"),
        new("front-proxy-client", "front-proxy-client.crt", "front-proxy-ca"),
        new("scheduler.conf", "../scheduler.conf", "ca"),
        new("super-admin.conf", "../super-admin.conf", "ca"),
    ];

    /// <summary>The certificate authorities in kubeadm's order.</summary>
    public static readonly IReadOnlyList<KubeadmCertificateFile> Authorities =
        [new("ca", "ca.crt", null), new("etcd-ca", "etcd/ca.crt", null), new("front-proxy-ca", "front-proxy-ca.crt", null)];

    /// <summary>Every file a check reads (certificates, kubeconfigs) or looks for (CA keys), as paths under the pki dir.</summary>
    public static IEnumerable<string> Paths(string pkiDirectory) =>
        Authorities.SelectMany(a => new[] { a.PathIn(pkiDirectory), a.KeyPathIn(pkiDirectory) }).Concat(Leaves.Select(l => l.PathIn(pkiDirectory)));

    /// <summary>The rows read from this host's disk.</summary>
    public static (IReadOnlyList<CertificateRow> Rows, IReadOnlyList<SeenCertificate> Seen) Read(string pkiDirectory, DateTimeOffset now) =>
        Read(pkiDirectory, path => File.Exists(path) ? File.ReadAllText(path) : null, File.Exists, now);

    /// <summary>
    /// The rows for the files present, and the certificates to judge; a missing file is skipped as kubeadm does for
    /// external etcd. <paramref name="text"/> gives a file's text (null when absent), <paramref name="exists"/> whether a file is there.
    /// </summary>
    public static (IReadOnlyList<CertificateRow> Rows, IReadOnlyList<SeenCertificate> Seen) Read(
        string pkiDirectory, Func<string, string?> text, Func<string, bool> exists, DateTimeOffset now)
    {
        var rows = new List<CertificateRow>();
        var seen = new List<SeenCertificate>();
        var external = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var file in Authorities.Concat(Leaves))
        {
            var path = file.PathIn(pkiDirectory);
            if (Parse(path, text(path)) is not { } cert)
            {
                continue;
            }

            using (cert)
            {
                if (file.IsAuthority)
                {
                    external[file.Name] = file.Name != "etcd-ca" && !exists(file.KeyPathIn(pkiDirectory));
                }

                var isExternal = file.IsAuthority ? external[file.Name] : external.GetValueOrDefault(file.Authority!);
                rows.Add(Row(file.Name, cert, file.Authority, isExternal, file.IsAuthority, now));
                seen.Add(new SeenCertificate(CertificateSource.Kubeadm, new ObjectRef("Certificate", null, file.Name), path, TlsProbe.Facts(file.Name, cert)));
            }
        }

        return (rows, seen);
    }

    public static CertificateRow Row(string name, X509Certificate2 cert, string? authority, bool external, bool isAuthority, DateTimeOffset now)
    {
        var expires = new DateTimeOffset(cert.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        return new CertificateRow(name, expires, Residual(expires, now), authority, external, isAuthority);
    }

    /// <summary>
    /// The time left as kubeadm's RESIDUAL TIME column shows it: the largest whole unit (s, m, h, d under a year, then
    /// y), or &lt;invalid&gt; once expired.
    /// </summary>
    public static string Residual(DateTimeOffset expires, DateTimeOffset now)
    {
        var left = expires - now;
        var seconds = (long)Math.Floor(left.TotalSeconds);
        return seconds < -1 ? "<invalid>"
            : seconds < 0 ? "0s"
            : seconds < 60 ? $"{seconds}s"
            : left.TotalMinutes < 60 ? $"{(int)left.TotalMinutes}m"
            : left.TotalHours < 24 ? $"{(int)left.TotalHours}h"
            : left.TotalHours < 24 * 365 ? $"{(int)left.TotalHours / 24}d"
            : $"{(int)(left.TotalHours / 24 / 365)}y";
    }

    /// <summary>A PEM certificate file's first certificate, or the client certificate embedded in a kubeconfig; null when absent or unreadable.</summary>
    public static X509Certificate2? Parse(string path, string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            if (path.EndsWith(".conf", StringComparison.Ordinal))
            {
                var match = EmbeddedCertificate().Match(text);
                return match.Success ? X509CertificateLoader.LoadCertificate(Convert.FromBase64String(match.Groups[1].Value)) : null;
            }

            return X509Certificate2.CreateFromPem(text);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"client-certificate-data:\s*(\S+)")]
    private static partial Regex EmbeddedCertificate();
}
