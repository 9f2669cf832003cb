using System.Net.Sockets;
using System.Security.Authentication;

namespace Pitcrew.Errors;

/// <summary>
/// Turns transport failures (refused or reset connections, timeouts, TLS handshakes) from any client, Kubernetes, S3 or
/// etcd, into one line without .NET type names and the exit code for an unreachable server (5) or a TLS failure (6).
/// </summary>
public static class TransportErrors
{
    internal const string NotTls = "the server does not speak TLS (is it plain http?)";

    /// <summary>The failure as a <see cref="PitcrewException"/>, or null when it is not a transport failure.</summary>
    public static PitcrewException? Translate(Exception e, string? server = null)
    {
        var prefix = server is null ? string.Empty : server + ": ";
        if (Find<AuthenticationException>(e) is { } tls)
        {
            var reason = TlsReason(tls);
            var hint = reason == NotTls ? string.Empty : "; check the CA, the client certificate and the key";
            return new PitcrewException($"{prefix}TLS handshake failed: {reason}{hint}", ExitCodes.TlsOrAuth, e);
        }

        if (Find<SocketException>(e) is { } socket)
        {
            return new PitcrewException($"{prefix}{Socket(socket, server is null ? e : null)}", ExitCodes.Unavailable, e);
        }

        if (Find<HttpRequestException>(e) is { } http)
        {
            var what = http.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => "host not found",
                HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError => "cannot connect (" + http.Message + ")",
                HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse => "the answer is not the HTTP expected (is this the right port?)",
                _ => "no usable answer (" + Innermost(http).Message.TrimEnd('.') + ")",
            };
            return new PitcrewException($"{prefix}{what}", ExitCodes.Unavailable, e);
        }

        if (Find<TimeoutException>(e) is not null || e is TaskCanceledException { InnerException: TimeoutException })
        {
            return new PitcrewException($"{prefix}request timed out", ExitCodes.Unavailable, e);
        }

        return null;
    }

    /// <summary>Why a handshake failed; a plain-http server answers a ClientHello with bytes that are no TLS record.</summary>
    internal static string TlsReason(AuthenticationException tls)
    {
        var inner = Innermost(tls).Message;
        return inner.Contains("frame size", StringComparison.OrdinalIgnoreCase) || inner.Contains("corrupted frame", StringComparison.OrdinalIgnoreCase)
            ? NotTls
            : inner.TrimEnd('.');
    }

    /// <summary>What a socket error means, after the address from the HTTP client's message when there is one.</summary>
    internal static string Socket(SocketException socket, Exception? outer)
    {
        var where = outer is not null && Find<HttpRequestException>(outer)?.Message is { } message
            && message.LastIndexOf('(') is var open and >= 0 && message.EndsWith(')')
            ? message[(open + 1)..^1] + ": "
            : string.Empty;
        return where + socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused (is the server running there?)",
            SocketError.TimedOut => "connection timed out",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.ConnectionReset => "connection reset by the server",
            SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
            _ => socket.Message,
        };
    }

    internal static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    internal static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }
}
