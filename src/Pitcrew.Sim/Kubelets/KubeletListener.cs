using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Sim.Kubelets;

/// <summary>How a simulated node's kubelet port behaves.</summary>
internal enum PortMode
{
    /// <summary>TLS with the node's serving certificate.</summary>
    Serving,

    /// <summary>The host is up but nothing listens: connections are refused (kubelet stopped).</summary>
    Closed,

    /// <summary>Nothing answers at all: connection attempts time out (network cut).</summary>
    Unreachable,
}

/// <summary>
/// One node's port 10250: a TLS listener that completes the handshake with the node's certificate and closes, or a
/// black hole (bound, accept queue full, so SYNs are dropped and connects time out, as across a cut network).
/// </summary>
internal sealed class KubeletListener : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);
    private readonly Socket _socket;
    private readonly List<Socket> _fillers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private KubeletListener(Socket socket, PortMode mode, Func<X509Certificate2>? certificate)
    {
        _socket = socket;
        Mode = mode;
        _loop = mode == PortMode.Serving ? Task.Run(() => AcceptAsync(certificate!, _stop.Token)) : Task.CompletedTask;
    }

    public PortMode Mode { get; }

    public static async Task<KubeletListener> StartAsync(string address, PortMode mode, Func<X509Certificate2> certificate, CancellationToken ct)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(address), AddressBlock.KubeletPort);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(endpoint);
        socket.Listen(mode == PortMode.Serving ? 512 : 0);
        var listener = new KubeletListener(socket, mode, certificate);
        if (mode == PortMode.Unreachable)
        {
            await listener.FillAsync(endpoint, ct).ConfigureAwait(false);
        }

        return listener;
    }

    /// <summary>Fills the accept queue (never accepted) until a connect does not complete, after which the kernel drops new SYNs.</summary>
    private async Task FillAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        for (var i = 0; i < 4; i++)
        {
            var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _fillers.Add(filler);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(TimeSpan.FromMilliseconds(200));
            try
            {
                await filler.ConnectAsync(endpoint, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
        }
    }

    private async Task AcceptAsync(Func<X509Certificate2> certificate, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandshakeAsync(client, certificate, ct), ct);
        }
    }

    private static async Task HandshakeAsync(Socket client, Func<X509Certificate2> certificate, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(HandshakeTimeout);
        try
        {
            await using var tls = new SslStream(new NetworkStream(client, ownsSocket: true));
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate() }, limit.Token).ConfigureAwait(false);
            await tls.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or SocketException)
        {
            // A probe that hangs up after reading the certificate is the usual case.
        }
        catch (Exception e)
        {
            SimLog.Warn($"kubelet port: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var filler in _fillers)
        {
            filler.Dispose();
        }

        _stop.Dispose();
    }
}
