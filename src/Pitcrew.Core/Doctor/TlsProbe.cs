using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Doctor;

/// <summary>
/// Connects to host:port with a short timeout and reads the serving certificate from the TLS handshake without trusting it
/// (as `openssl s_client` would): first from a TLS 1.2 hello answered in the clear (<see cref="Tls12CertificateReader"/>),
/// else from a full handshake; a handshake refused after the certificate was shown (etcd asking for a client certificate)
/// still counts.
/// </summary>
internal static class TlsProbe
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The error of a probe that connected but whose TLS handshake did not finish in time.</summary>
    public const string HandshakeTimedOut = "TLS handshake timed out";

    /// <summary>Probes in flight when those whose handshake timed out are tried again.</summary>
    private const int RetryConcurrency = 8;

    public static async Task<ProbeResult> ProbeAsync(string target, string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var endpoint = $"{host}:{port}";
        var watch = Stopwatch.StartNew();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var (socket, failed) = await ConnectAsync(target, endpoint, host, port, watch, limit.Token, cancellationToken).ConfigureAwait(false);
        if (failed is not null)
        {
            return failed;
        }

        byte[]? der;
        using (socket)
        {
            try
            {
                der = await Tls12CertificateReader.ReadAsync(socket!, host, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return new ProbeResult(target, endpoint, ProbeOutcome.Failed, HandshakeTimedOut, null, watch.Elapsed);
            }
            catch (SocketException)
            {
                // Reset on our hello: the full handshake below says what the server does accept.
                der = null;
            }
        }

        if (der is not null)
        {
            try
            {
                using var certificate = X509CertificateLoader.LoadCertificate(der);
                return new ProbeResult(target, endpoint, ProbeOutcome.Open, null, Facts(target, certificate), watch.Elapsed);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Not a certificate we can read from the bytes: let the platform's TLS say what it is.
            }
        }

        (socket, failed) = await ConnectAsync(target, endpoint, host, port, watch, limit.Token, cancellationToken).ConfigureAwait(false);
        if (failed is not null)
        {
            return failed;
        }

        using (socket)
        {
            return await FullHandshakeAsync(target, endpoint, host, socket!, watch, limit.Token, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<(Socket? Socket, ProbeResult? Failed)> ConnectAsync(string target, string endpoint, string host, int port, Stopwatch watch, CancellationToken limit,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, limit).ConfigureAwait(false);
            return (socket, null);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            socket.Dispose();
            return (null, new ProbeResult(target, endpoint, ProbeOutcome.Refused, e.Message, null, watch.Elapsed));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, new ProbeResult(target, endpoint, ProbeOutcome.TimedOut, "timed out", null, watch.Elapsed));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return (null, new ProbeResult(target, endpoint, e.SocketErrorCode is SocketError.TimedOut or SocketError.HostUnreachable or SocketError.NetworkUnreachable
                ? ProbeOutcome.TimedOut : ProbeOutcome.Failed, e.Message, null, watch.Elapsed));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The platform's TLS handshake (TLS 1.3, or a server our TLS 1.2 hello did not suit), reading the certificate without trusting it.</summary>
    private static async Task<ProbeResult> FullHandshakeAsync(string target, string endpoint, string host, Socket socket, Stopwatch watch, CancellationToken limit,
        CancellationToken cancellationToken)
    {
        X509Certificate2? seen = null;
        string? error = null;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        // Only the certificate is read, to report its expiry; nothing is sent over this connection, so any certificate is accepted.
#pragma warning disable CA5359
        await using var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
        {
            seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return true;
        });
#pragma warning restore CA5359
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host }, limit).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Security.Authentication.AuthenticationException or IOException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            error = e is OperationCanceledException ? HandshakeTimedOut : e.Message;
        }

        using (seen)
        {
            var facts = seen is null ? null : Facts(target, seen);
            return new ProbeResult(target, endpoint, facts is null && error is not null ? ProbeOutcome.Failed : ProbeOutcome.Open, error, facts, watch.Elapsed);
        }
    }

    public static CertificateFacts Facts(string name, X509Certificate2 certificate) => new(
        name,
        certificate.Subject,
        certificate.Issuer,
        new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
        new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData));

    /// <summary>
    /// Runs probes with at most <paramref name="concurrency"/> in flight; those that connected but whose handshake timed
    /// out are tried once more, a few at a time with twice the timeout: a busy host (or a sim serving 1,000 kubelets
    /// from one process while it answers lists) answers late, which is not a port out of reach.
    /// </summary>
    public static async Task<IReadOnlyList<ProbeResult>> ProbeAllAsync(IEnumerable<(string Target, string Host, int Port)> targets, int concurrency, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var list = targets.ToList();
        var first = await RunAsync(list, concurrency, timeout, cancellationToken).ConfigureAwait(false);
        var slow = first.Where(r => r is { Outcome: ProbeOutcome.Failed, Error: HandshakeTimedOut }).Select(r => r.Target).ToHashSet(StringComparer.Ordinal);
        if (slow.Count == 0)
        {
            return first;
        }

        var again = await RunAsync([.. list.Where(t => slow.Contains(t.Target))], Math.Min(concurrency, RetryConcurrency), timeout * 2, cancellationToken).ConfigureAwait(false);
        return [.. first.Where(r => !slow.Contains(r.Target)), .. again];
    }

    private static async Task<IReadOnlyList<ProbeResult>> RunAsync(IReadOnlyList<(string Target, string Host, int Port)> targets, int concurrency, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<ProbeResult>();
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (t, ct) =>
            results.Add(await ProbeAsync(t.Target, t.Host, t.Port, timeout, ct).ConfigureAwait(false))).ConfigureAwait(false);
        return [.. results];
    }
}
