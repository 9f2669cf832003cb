using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Tls;

/// <summary>Certificate handling shared by every TLS client and server Pitcrew runs: PEM key pairs and CA pinning.</summary>
public static class TlsMaterial
{
    /// <summary>Loads a PEM certificate and key in a form SslStream on Linux accepts (it wants an exportable key: PKCS#12).</summary>
    public static X509Certificate2 LoadKeyPair(string certPath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Whether the certificate chains to one of the given roots (no system trust, no revocation check).</summary>
    public static bool IssuedBy(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
