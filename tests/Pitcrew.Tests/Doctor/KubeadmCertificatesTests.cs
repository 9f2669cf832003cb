using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Pitcrew.Doctor;

namespace Pitcrew.Tests.Doctor;

/// <summary>kubeadm's pki layout read as `kubeadm certs check-expiration` lists it, with expiring certificates found.</summary>
public sealed class KubeadmCertificatesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pitcrew-pki-").FullName;

    private string Pki => Path.Combine(_root, "pki");

    public KubeadmCertificatesTests()
    {
        Directory.CreateDirectory(Path.Combine(Pki, "etcd"));
        using var ca = Authority("ca", withKey: true, TimeSpan.FromDays(3650));
        using var frontProxy = Authority("front-proxy-ca", withKey: false, TimeSpan.FromDays(3650));
        using var etcdCa = Authority("etcd/ca", withKey: true, TimeSpan.FromDays(3650));
        Leaf(ca, "apiserver.crt", TimeSpan.FromDays(10));
        Leaf(etcdCa, "etcd/server.crt", TimeSpan.FromDays(200));
        using var admin = Leaf(ca, null, TimeSpan.FromDays(3));
        File.WriteAllText(Path.Combine(_root, "admin.conf"), $"""
            apiVersion: v1
            kind: Config
            users:
            - name: kubernetes-admin
              user:
                client-certificate-data: {Convert.ToBase64String(admin.RawData)}
                client-key-data: AAAA
            """);
    }

    [Fact]
    public void Read_ListsLeavesAndAuthorities_LikeKubeadm()
    {
        var (rows, _) = KubeadmCertificates.Read(Pki, DateTimeOffset.UtcNow);
        Assert.Equal(["ca", "etcd-ca", "front-proxy-ca"], rows.Where(r => r.IsAuthority).Select(r => r.Certificate));
        Assert.Equal(["admin.conf", "apiserver", "etcd-server"], rows.Where(r => !r.IsAuthority).Select(r => r.Certificate));
        Assert.True(rows.Single(r => r.Certificate == "front-proxy-ca").ExternallyManaged);
        Assert.False(rows.Single(r => r.Certificate == "ca").ExternallyManaged);
        Assert.Equal("etcd-ca", rows.Single(r => r.Certificate == "etcd-server").Authority);
        Assert.Equal("9y", rows.Single(r => r.Certificate == "ca").ResidualTime);
    }

    [Fact]
    public void Check_ExpiringKubeadmCertificates_AreFound()
    {
        var (_, seen) = KubeadmCertificates.Read(Pki, DateTimeOffset.UtcNow);
        var findings = CertificateChecks.Check(seen, DateTimeOffset.UtcNow).ToDictionary(f => f.Object.Name, f => f.Severity);
        Assert.Equal(new Dictionary<string, Severity> { ["admin.conf"] = Severity.Critical, ["apiserver"] = Severity.Warning }, findings);
    }

    [Fact]
    public void Renewal_NamesThePitcrewCommand_AndKeepsKubeadmsWay()
    {
        var (_, seen) = KubeadmCertificates.Read(Pki, DateTimeOffset.UtcNow);
        var (id, remedy) = CertificateChecks.Renewal(seen.Single(s => s.Object.Name == "apiserver"));
        Assert.Equal(CheckIds.CertKubeadm, id);
        Assert.StartsWith("pitcrew certs renew apiserver --executor ssh", remedy, StringComparison.Ordinal);
        Assert.Contains("or kubeadm certs renew apiserver on this control-plane node", remedy, StringComparison.Ordinal);
    }

    private X509Certificate2 Authority(string file, bool withKey, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Path.GetFileName(file)}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow + lifetime);
        File.WriteAllText(Path.Combine(Pki, file + ".crt"), ca.ExportCertificatePem());
        if (withKey)
        {
            File.WriteAllText(Path.Combine(Pki, file + ".key"), key.ExportPkcs8PrivateKeyPem());
        }

        return ca;
    }

    private X509Certificate2 Leaf(X509Certificate2 ca, string? file, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=leaf", key, HashAlgorithmName.SHA256);
        var leaf = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow + lifetime, [1, 2, 3, 4]);
        if (file is not null)
        {
            File.WriteAllText(Path.Combine(Pki, file), leaf.ExportCertificatePem());
        }

        return leaf;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
