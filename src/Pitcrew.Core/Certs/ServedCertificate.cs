using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Certs;

/// <summary>The certificate an endpoint serves, from a TLS handshake that trusts nothing and sends no client certificate (as openssl s_client).</summary>
internal static class ServedCertificate
{
    public static async Task<X509Certificate2> ReadAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
        X509Certificate2? served = null;
        // Nothing is sent over this connection: the handshake is only read for the certificate it shows.
#pragma warning disable CA5359
        await using var tls = new SslStream(client.GetStream(), false, (_, certificate, _, _) =>
        {
            served = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return true;
        });
#pragma warning restore CA5359
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, limit.Token).ConfigureAwait(false);
        return served ?? throw new PitcrewException($"{host}:{port} served no certificate", ExitCodes.Failed);
    }
}
