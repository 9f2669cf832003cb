using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Sim.Pki;

/// <summary>
/// The simulated cluster's certificates, as kubeadm lays them out in spirit: a cluster CA, the API server's serving
/// certificate for 127.0.0.1, and an admin client certificate (O=system:masters). Kept under DIR/pki and reused.
/// </summary>
internal sealed class SimPki
{
    private const int KeySize = 2048;

    private SimPki(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    public string CaCertPath => Path.Combine(Directory, "ca.crt");

    public string CaKeyPath => Path.Combine(Directory, "ca.key");

    public string ServerCertPath => Path.Combine(Directory, "apiserver.crt");

    public string ServerKeyPath => Path.Combine(Directory, "apiserver.key");

    public string AdminCertPath => Path.Combine(Directory, "admin.crt");

    public string AdminKeyPath => Path.Combine(Directory, "admin.key");

    /// <summary>Loads the certificates from the directory, creating any that are missing.</summary>
    public static SimPki LoadOrCreate(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var pki = new SimPki(directory);
        if (!File.Exists(pki.CaCertPath) || !File.Exists(pki.CaKeyPath) || !File.Exists(pki.ServerCertPath) || !File.Exists(pki.AdminCertPath))
        {
            pki.Create();
        }

        return pki;
    }

    public X509Certificate2 LoadCa() => X509CertificateLoader.LoadCertificateFromFile(CaCertPath);

    /// <summary>The CA with its key, to issue kubelet serving certificates.</summary>
    public X509Certificate2 LoadCaWithKey() => Tls.TlsMaterial.LoadKeyPair(CaCertPath, CaKeyPath);

    /// <summary>The serving certificate with its key, in a form SslStream on Linux accepts.</summary>
    public X509Certificate2 LoadServerCertificate() => Tls.TlsMaterial.LoadKeyPair(ServerCertPath, ServerKeyPath);

    /// <summary>The admin client certificate with its key.</summary>
    public X509Certificate2 LoadAdminCertificate() => Tls.TlsMaterial.LoadKeyPair(AdminCertPath, AdminKeyPath);

    private void Create()
    {
        using var caKey = RSA.Create(KeySize);
        var caRequest = new CertificateRequest("CN=pitcrew-sim-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        Write(CaCertPath, ca.ExportCertificatePem());
        Write(CaKeyPath, caKey.ExportPkcs8PrivateKeyPem());
        Issue(ca, "CN=kube-apiserver", server: true, ServerCertPath, ServerKeyPath);
        Issue(ca, "CN=kubernetes-admin,O=system:masters", server: false, AdminCertPath, AdminKeyPath);
    }

    private static void Issue(X509Certificate2 ca, string subject, bool server, string certPath, string keyPath)
    {
        using var key = RSA.Create(KeySize);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var usage = new OidCollection { new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") };
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usage, false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            names.AddDnsName("kubernetes");
            request.CertificateExtensions.Add(names.Build());
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(ca, now.AddDays(-1), now.AddYears(1), serial);
        Write(certPath, certificate.ExportCertificatePem());
        Write(keyPath, key.ExportPkcs8PrivateKeyPem());
    }

    private static void Write(string path, string pem)
    {
        File.WriteAllText(path, pem + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
