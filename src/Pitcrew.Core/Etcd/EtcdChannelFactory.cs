using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Pitcrew.Tls;

namespace Pitcrew.Etcd;

/// <summary>Builds one gRPC channel per etcd endpoint with etcdctl's TLS semantics (CA pinning, client certificates).</summary>
internal static class EtcdChannelFactory
{
    public static GrpcChannel Create(EtcdConnectionOptions options, string endpoint)
    {
        var uri = options.EndpointUri(endpoint);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.DialTimeout ?? EtcdConnectionOptions.DefaultDialTimeout,
            EnableMultipleHttp2Connections = true,
            InitialHttp2StreamWindowSize = 8 << 20,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };

        if (uri.Scheme == "https")
        {
            handler.SslOptions = SslOptions(options);
        }

        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = null,
            Credentials = uri.Scheme == "https" ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure,
        });
    }

    private static SslClientAuthenticationOptions SslOptions(EtcdConnectionOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.Cert is not null || options.Key is not null)
        {
            if (options.Cert is null || options.Key is null)
            {
                throw new PitcrewException("--cert and --key must be given together", ExitCodes.Usage);
            }

            ssl.ClientCertificates = [LoadClientCertificate(options.Cert, options.Key)];
        }

        if (options.InsecureSkipTlsVerify)
        {
            // The operator asked for it with --insecure-skip-tls-verify, as with etcdctl.
#pragma warning disable CA5359
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (options.CaCert is not null)
        {
            var roots = LoadCa(options.CaCert);
            ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && ValidateAgainst(roots, new X509Certificate2(certificate), errors);
        }

        return ssl;
    }

    private static bool ValidateAgainst(X509Certificate2Collection roots, X509Certificate2 certificate, SslPolicyErrors errors) =>
        (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
        && TlsMaterial.IssuedBy(certificate, roots);

    private static X509Certificate2Collection LoadCa(string path)
    {
        RequireFile(path, "--cacert");
        try
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(path);
            if (roots.Count == 0)
            {
                throw new PitcrewException($"--cacert {path}: no PEM certificate in the file", ExitCodes.TlsOrAuth);
            }

            return roots;
        }
        catch (CryptographicException e)
        {
            throw new PitcrewException($"--cacert {path}: not a PEM certificate ({e.Message})", ExitCodes.TlsOrAuth, e);
        }
    }

    private static X509Certificate2 LoadClientCertificate(string certPath, string keyPath)
    {
        RequireFile(certPath, "--cert");
        RequireFile(keyPath, "--key");
        try
        {
            return TlsMaterial.LoadKeyPair(certPath, keyPath);
        }
        catch (CryptographicException e)
        {
            throw new PitcrewException($"--cert {certPath} / --key {keyPath}: cannot load the key pair ({e.Message})", ExitCodes.TlsOrAuth, e);
        }
    }

    private static void RequireFile(string path, string flag)
    {
        if (!File.Exists(path))
        {
            throw new PitcrewException($"{flag} {path}: no such file", ExitCodes.TlsOrAuth);
        }
    }
}
