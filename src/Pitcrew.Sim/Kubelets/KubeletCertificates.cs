using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Sim.Kubelets;

/// <summary>
/// Kubelet serving certificates from the simulator's CA (the node's IP and name as SANs), made on first use and cached:
/// an ECDSA key and one CA signature each, so 5,000 nodes cost nothing until someone connects.
/// </summary>
internal sealed class KubeletCertificates(X509Certificate2 ca) : IDisposable
{
    /// <summary>The validity of a kubelet serving certificate when the scenario does not say (kubeadm's self-signed one: a year).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromDays(365);

    private readonly ConcurrentDictionary<(string Node, string Address, DateTimeOffset NotAfter), Lazy<X509Certificate2>> _issued = new();

    public X509Certificate2 For(string node, string address, DateTimeOffset notAfter) =>
        _issued.GetOrAdd((node, address, notAfter), key => new Lazy<X509Certificate2>(() => Issue(key.Node, key.Address, key.NotAfter))).Value;

    private X509Certificate2 Issue(string node, string address, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={node}@kubelet", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Parse(address));
        names.AddDnsName(node);
        request.CertificateExtensions.Add(names.Build());
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        var notBefore = new[] { notAfter - DefaultLifetime, DateTimeOffset.UtcNow.AddDays(-1) }.Min();
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var caKey = ca.GetRSAPrivateKey()!;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1), notBefore,
            notAfter < ca.NotAfter ? notAfter : ca.NotAfter, serial);
        // Served as is: on Linux an SslStream serves a certificate with an in-memory key, so the PKCS#12 round trip (a
        // key derivation each way, most of the cost) that other platforms need is skipped; 1,000 nodes on first contact
        // cost seconds less.
        var withKey = issued.CopyWithPrivateKey(key);
        if (!OperatingSystem.IsWindows())
        {
            return withKey;
        }

        using (withKey)
        {
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        }
    }

    public void Dispose()
    {
        foreach (var issued in _issued.Values.Where(l => l.IsValueCreated))
        {
            issued.Value.Dispose();
        }

        ca.Dispose();
    }
}
