using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Sim.Pki;

/// <summary>A certificate authority with its key: RSA (the cluster CA the sim always had) or ECDSA P-256 (the others).</summary>
internal sealed class CertificateIssuer(X509Certificate2 certificate, AsymmetricAlgorithm key) : IDisposable
{
    public X509Certificate2 Certificate { get; } = certificate;

    /// <summary>Loads a CA's PEM certificate and key.</summary>
    public static CertificateIssuer Load(string certPath, string keyPath)
    {
        var certificate = X509CertificateLoader.LoadCertificateFromFile(certPath);
        var pem = File.ReadAllText(keyPath);
        AsymmetricAlgorithm key = certificate.GetKeyAlgorithm() == "1.2.840.113549.1.1.1" ? RSA.Create() : ECDsa.Create();
        key.ImportFromPem(pem);
        return new CertificateIssuer(certificate, key);
    }

    /// <summary>A new self-signed ECDSA P-256 CA for ten years, written as PEM to the two paths.</summary>
    public static CertificateIssuer CreateAuthority(string commonName, string certPath, string keyPath, DateTimeOffset now)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        PemFiles.Write(certPath, created.ExportCertificatePem());
        PemFiles.Write(keyPath, key.ExportPkcs8PrivateKeyPem());
        return new CertificateIssuer(X509CertificateLoader.LoadCertificate(created.RawData), key);
    }

    /// <summary>
    /// Issues a certificate for a new ECDSA P-256 key with these extensions (basic constraints and the authority key
    /// identifier are added), valid until <paramref name="notAfter"/> (clipped to the CA's own end).
    /// </summary>
    public (X509Certificate2 Certificate, ECDsa Key) Issue(X500DistinguishedName subject, IEnumerable<X509Extension> extensions, DateTimeOffset now, DateTimeOffset notAfter)
    {
        var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        foreach (var extension in extensions)
        {
            request.CertificateExtensions.Add(extension);
        }

        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        var end = notAfter < Certificate.NotAfter ? notAfter : new DateTimeOffset(Certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var notBefore = new[] { now.AddMinutes(-5), end - TimeSpan.FromDays(365) }.Min();
        var generator = key switch
        {
            RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
            ECDsa ecdsa => X509SignatureGenerator.CreateForECDsa(ecdsa),
            _ => throw new InvalidOperationException("the CA's key is neither RSA nor ECDSA"),
        };
        return (request.Create(Certificate.SubjectName, generator, notBefore, end, serial), leafKey);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        key.Dispose();
    }
}

/// <summary>PEM files as kubeadm leaves them: owner-only.</summary>
internal static class PemFiles
{
    public static void Write(string path, string pem)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A name of its own: two writers of one file (two agent calls at once) must not move each other's temp file.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temp, pem.EndsWith('\n') ? pem : pem + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: true);
    }
}
