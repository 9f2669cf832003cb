using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using Pitcrew.Doctor;

namespace Pitcrew.Sim.Pki;

/// <summary>
/// kubeadm's PKI on the simulated nodes' disks (DIR/nodes/NODE/...): every control plane gets the three CAs (shared by
/// all of them, kept under DIR/pki), the leaf certificates under /etc/kubernetes/pki and the kubeconfigs under
/// /etc/kubernetes; every node gets its kubelet's client and serving certificates under /var/lib/kubelet/pki. Leaf keys
/// are ECDSA P-256 (as kubeadm makes them with encryptionAlgorithm ECDSA-P256), so a control plane costs milliseconds.
/// </summary>
internal sealed partial class KubeadmPki(string directory, SimPki cluster)
{
    public const string PkiDirectory = KubeadmCertificates.DefaultPkiDirectory;
    public const string KubeletPkiDirectory = "/var/lib/kubelet/pki";
    public const string KubeletClientFile = KubeletPkiDirectory + "/kubelet-client-current.pem";
    public const string KubeletServingFile = KubeletPkiDirectory + "/kubelet.crt";

    /// <summary>A year: what kubeadm gives a leaf it creates or renews.</summary>
    public static readonly TimeSpan LeafLifetime = TimeSpan.FromDays(365);

    private static readonly (string Name, string Subject, string File)[] Authorities =
        [("ca", "kubernetes", "ca"), ("etcd-ca", "etcd-ca", "etcd/ca"), ("front-proxy-ca", "front-proxy-ca", "front-proxy-ca")];

    /// <summary>The host path of a node's file.</summary>
    public string Map(string node, string path) => Path.Combine(directory, "nodes", node) + Path.GetFullPath(path);

    /// <summary>
    /// Writes a control plane's CAs and pki leaves unless it has them (a sim started again on its directory keeps
    /// them); the leaves expire at <paramref name="notAfter"/>.
    /// </summary>
    public void EnsureControlPlane(string node, string address, DateTimeOffset notAfter, DateTimeOffset now)
    {
        if (File.Exists(Map(node, PkiDirectory + "/apiserver.crt")))
        {
            return;
        }

        foreach (var (name, subject, file) in Authorities)
        {
            var (cert, key) = AuthorityFiles(name, subject, now);
            File.Copy(cert, Target(node, PkiDirectory + $"/{file}.crt"), overwrite: true);
            File.Copy(key, Target(node, PkiDirectory + $"/{file}.key"), overwrite: true);
        }

        foreach (var leaf in KubeadmCertificates.Leaves.Where(l => !l.IsKubeconfig))
        {
            Issue(node, address, leaf, notAfter, now);
        }
    }

    /// <summary>Writes a control plane's kubeconfigs for the API at <paramref name="server"/>; existing ones only get the new address.</summary>
    public void EnsureKubeconfigs(string node, string address, string server, DateTimeOffset notAfter, DateTimeOffset now)
    {
        foreach (var leaf in KubeadmCertificates.Leaves.Where(l => l.IsKubeconfig))
        {
            var path = Map(node, leaf.PathIn(PkiDirectory));
            if (File.Exists(path))
            {
                PemFiles.Write(path, ServerLine().Replace(File.ReadAllText(path), "server: " + server));
                continue;
            }

            Issue(node, address, leaf, notAfter, now, server);
        }
    }

    /// <summary>Writes the kubelet's client certificate (cert and key in one PEM) and serving certificate on a node unless it has them.</summary>
    public void EnsureKubelet(string node, Func<X509Certificate2?> serving, DateTimeOffset now)
    {
        // Agent calls run at once (certs check reads every node in parallel): one writer at a time, each file once.
        lock (_kubeletGate)
        {
            EnsureKubeletLocked(node, serving, now);
        }
    }

    private readonly Lock _kubeletGate = new();

    private void EnsureKubeletLocked(string node, Func<X509Certificate2?> serving, DateTimeOffset now)
    {
        if (!File.Exists(Map(node, KubeletClientFile)))
        {
            using var ca = Issuer("ca", now);
            var extensions = new X509Extension[]
            {
                new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true),
                new X509EnhancedKeyUsageExtension([new Oid(KubeadmLeafSpec.ClientAuthOid)], false),
            };
            var (cert, key) = ca.Issue(new X500DistinguishedName($"CN=system:node:{node}, O=system:nodes"), extensions, now, now + LeafLifetime);
            using (cert)
            using (key)
            {
                PemFiles.Write(Target(node, KubeletClientFile), cert.ExportCertificatePem() + "\n" + key.ExportECPrivateKeyPem());
            }
        }

        if (!File.Exists(Map(node, KubeletServingFile)) && serving() is { } served)
        {
            PemFiles.Write(Target(node, KubeletServingFile), served.ExportCertificatePem());
            if (served.GetECDsaPrivateKey() is { } key)
            {
                using (key)
                {
                    PemFiles.Write(Target(node, KubeletPkiDirectory + "/kubelet.key"), ExportKey(key));
                }
            }
        }
    }

    /// <summary>
    /// Renews one leaf as `kubeadm certs renew` does: a new key, the same subject and names, signed by its CA on the
    /// node, a year from now; false when the node has no such certificate.
    /// </summary>
    public bool Renew(string node, KubeadmCertificateFile leaf, DateTimeOffset now)
    {
        var path = Map(node, leaf.PathIn(PkiDirectory));
        if (!File.Exists(path))
        {
            return false;
        }

        var text = File.ReadAllText(path);
        using var old = KubeadmCertificates.Parse(path, text) ?? throw new InvalidOperationException($"{leaf.PathIn(PkiDirectory)}: no certificate in it");
        var kept = old.Extensions.Where(e => e is not (X509BasicConstraintsExtension or X509SubjectKeyIdentifierExtension or X509AuthorityKeyIdentifierExtension)).ToList();
        using var ca = NodeIssuer(node, leaf.Authority!);
        var (cert, key) = ca.Issue(old.SubjectName, kept, now, now + LeafLifetime);
        using (cert)
        using (key)
        {
            if (leaf.IsKubeconfig)
            {
                var renewed = CertificateData().Replace(text, "client-certificate-data: " + Base64(cert.ExportCertificatePem()));
                PemFiles.Write(path, KeyData().Replace(renewed, "client-key-data: " + Base64(ExportKey(key))));
            }
            else
            {
                PemFiles.Write(path, cert.ExportCertificatePem());
                PemFiles.Write(Path.ChangeExtension(path, ".key"), ExportKey(key));
            }
        }

        return true;
    }

    private void Issue(string node, string address, KubeadmCertificateFile leaf, DateTimeOffset notAfter, DateTimeOffset now, string? server = null)
    {
        var spec = KubeadmLeafSpecs.ByName[leaf.Name];
        using var ca = Issuer(leaf.Authority!, now);
        var (cert, key) = ca.Issue(spec.SubjectFor(node), spec.Extensions(node, address), now, notAfter);
        using (cert)
        using (key)
        {
            var path = Target(node, leaf.PathIn(PkiDirectory));
            if (leaf.IsKubeconfig)
            {
                PemFiles.Write(path, Kubeconfig(server!, ca.Certificate, spec.KubeconfigUser!, cert, key));
            }
            else
            {
                PemFiles.Write(path, cert.ExportCertificatePem());
                PemFiles.Write(Path.ChangeExtension(path, ".key"), ExportKey(key));
            }
        }
    }

    private static string Kubeconfig(string server, X509Certificate2 ca, string user, X509Certificate2 cert, ECDsa key) => $$"""
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: {{Base64(ca.ExportCertificatePem() + "\n")}}
            server: {{server}}
          name: kubernetes
        contexts:
        - context:
            cluster: kubernetes
            user: {{user}}
          name: {{user}}@kubernetes
        current-context: {{user}}@kubernetes
        kind: Config
        preferences: {}
        users:
        - name: {{user}}
          user:
            client-certificate-data: {{Base64(cert.ExportCertificatePem() + "\n")}}
            client-key-data: {{Base64(ExportKey(key))}}

        """;

    /// <summary>A shared CA's files under DIR/pki, created on first use (the cluster CA is the sim's own).</summary>
    private (string Cert, string Key) AuthorityFiles(string name, string subject, DateTimeOffset now)
    {
        if (name == "ca")
        {
            return (cluster.CaCertPath, cluster.CaKeyPath);
        }

        var cert = Path.Combine(cluster.Directory, name + ".crt");
        var key = Path.Combine(cluster.Directory, name + ".key");
        if (!File.Exists(cert) || !File.Exists(key))
        {
            CertificateIssuer.CreateAuthority(subject, cert, key, now).Dispose();
        }

        return (cert, key);
    }

    private CertificateIssuer Issuer(string authority, DateTimeOffset now)
    {
        var (cert, key) = AuthorityFiles(authority, Authorities.Single(a => a.Name == authority).Subject, now);
        return CertificateIssuer.Load(cert, key);
    }

    /// <summary>The CA as the node has it: kubeadm renews from the node's own pki dir.</summary>
    private CertificateIssuer NodeIssuer(string node, string authority)
    {
        var file = Authorities.Single(a => a.Name == authority).File;
        return CertificateIssuer.Load(Map(node, PkiDirectory + $"/{file}.crt"), Map(node, PkiDirectory + $"/{file}.key"));
    }

    private string Target(string node, string path)
    {
        var mapped = Map(node, path);
        Directory.CreateDirectory(Path.GetDirectoryName(mapped)!);
        return mapped;
    }

    private static string ExportKey(ECDsa key) => key.ExportECPrivateKeyPem() + "\n";

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    [GeneratedRegex(@"server: \S+")]
    private static partial Regex ServerLine();

    [GeneratedRegex(@"client-certificate-data: \S+")]
    private static partial Regex CertificateData();

    [GeneratedRegex(@"client-key-data: \S+")]
    private static partial Regex KeyData();
}
