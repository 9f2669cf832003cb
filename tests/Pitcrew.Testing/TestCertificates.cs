using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Testing;

/// <summary>
/// A CA with a server and a client certificate, plus an unrelated CA with its own client certificate,
/// generated in-process and written as PEM (certificates) and PKCS#8 (keys).
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CaCertPath => Combine("ca.crt");

    public string ServerCertPath => Combine("server.crt");

    public string ServerKeyPath => Combine("server.key");

    public string ClientCertPath => Combine("client.crt");

    public string ClientKeyPath => Combine("client.key");

    public string OtherCaCertPath => Combine("other-ca.crt");

    public string OtherClientCertPath => Combine("other-client.crt");

    public string OtherClientKeyPath => Combine("other-client.key");

    public static TestCertificates Create(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var certificates = new TestCertificates(directory);
        using var ca = CreateCa("pitcrew-test-ca");
        using var otherCa = CreateCa("pitcrew-other-ca");
        WriteCertificate(certificates.CaCertPath, ca);
        WriteCertificate(certificates.OtherCaCertPath, otherCa);
        Issue(ca, "etcd-server", server: true, certificates.ServerCertPath, certificates.ServerKeyPath);
        Issue(ca, "pitcrew-client", server: false, certificates.ClientCertPath, certificates.ClientKeyPath);
        Issue(otherCa, "intruder", server: false, certificates.OtherClientCertPath, certificates.OtherClientKeyPath);
        return certificates;
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
    }

    private static void Issue(X509Certificate2 ca, string name, bool server, string certPath, string keyPath)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var usages = new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }; // clientAuth
        if (server)
        {
            usages.Add(new Oid("1.3.6.1.5.5.7.3.1")); // serverAuth
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var certificate = request.Create(ca, now.AddDays(-1), now.AddDays(90), serial);
        WriteCertificate(certPath, certificate);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static void WriteCertificate(string path, X509Certificate2 certificate) =>
        File.WriteAllText(path, certificate.ExportCertificatePem());

    private string Combine(string name) => Path.Combine(Directory, name);
}
