using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;

namespace Pitcrew.Etcd;

/// <summary>Turns gRPC and transport failures into one-line messages that name the endpoint and the next step.</summary>
internal static partial class EtcdErrors
{
    public static PitcrewException Translate(string endpoint, Exception e) => e switch
    {
        PitcrewException p => p,
        RpcException rpc => FromRpc(endpoint, rpc),
        OperationCanceledException => new PitcrewException($"{endpoint}: request timed out", ExitCodes.Unavailable, e),
        _ => TransportErrors.Translate(e, endpoint) ?? new PitcrewException($"{endpoint}: {e.Message}", ExitCodes.Failed, e),
    };

    /// <summary>A short reason for tables: the message without the endpoint prefix.</summary>
    public static string Reason(string endpoint, Exception e)
    {
        var message = Translate(endpoint, e).Message;
        var prefix = endpoint + ": ";
        return message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
    }

    private static PitcrewException FromRpc(string endpoint, RpcException rpc)
    {
        var inner = Plain(rpc);
        if (Find<AuthenticationException>(rpc) is { } tls)
        {
            var reason = TransportErrors.TlsReason(tls);
            return reason == TransportErrors.NotTls
                ? new PitcrewException($"{endpoint}: TLS handshake failed: {reason}; use http:// or drop the TLS flags", ExitCodes.TlsOrAuth, rpc)
                : new PitcrewException($"{endpoint}: TLS handshake failed ({reason}); check --cacert, --cert and --key", ExitCodes.TlsOrAuth, rpc);
        }

        if (Find<SocketException>(rpc) is { SocketErrorCode: SocketError.ConnectionReset }
            && endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            && rpc.Status.Detail.Contains("Error starting gRPC call", StringComparison.Ordinal))
        {
            // Under TLS 1.3 a server that rejects the client certificate does so after the handshake; when its close
            // arrives before its alert, the client sees only a reset while setting up the call.
            return new PitcrewException(
                $"{endpoint}: connection reset while setting up the call, as a TLS server does when it rejects the client certificate; check --cert, --key and the CA the server trusts",
                ExitCodes.TlsOrAuth, rpc);
        }

        if (Find<SocketException>(rpc) is { } socket)
        {
            var what = socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is etcd running there?)",
                SocketError.TimedOut => "connection timed out",
                SocketError.HostNotFound => "host not found",
                _ => socket.Message,
            };
            return new PitcrewException($"{endpoint}: {what}", ExitCodes.Unavailable, rpc);
        }

        return rpc.StatusCode switch
        {
            StatusCode.Unavailable when rpc.Status.Detail.Contains("HTTP/2 handshake", StringComparison.Ordinal)
                || rpc.Status.Detail.Contains("SSL", StringComparison.Ordinal) =>
                new PitcrewException(
                    $"{endpoint}: TLS handshake failed ({inner}); the server may require a client certificate (--cert, --key) or https",
                    ExitCodes.TlsOrAuth, rpc),
            StatusCode.Internal when rpc.Status.Detail.Contains("SSL", StringComparison.Ordinal) =>
                new PitcrewException($"{endpoint}: TLS failed ({inner}); check --cacert, --cert and --key", ExitCodes.TlsOrAuth, rpc),
            _ when IsAuthFailure(rpc) =>
                new PitcrewException($"{endpoint}: {inner} (check --user/--password; snapshots need the root role)", ExitCodes.TlsOrAuth, rpc),
            StatusCode.DeadlineExceeded or StatusCode.Cancelled =>
                new PitcrewException($"{endpoint}: request timed out", ExitCodes.Unavailable, rpc),
            StatusCode.Unavailable =>
                new PitcrewException($"{endpoint}: unavailable ({inner})", ExitCodes.Unavailable, rpc),
            _ when TransportErrors.Translate(rpc, endpoint) is { } transport => transport,
            _ => new PitcrewException($"{endpoint}: {inner}", ExitCodes.Failed, rpc),
        };
    }

    /// <summary>etcd 3.4 returns some auth errors with status Unknown, recognisable only by their text.</summary>
    private static bool IsAuthFailure(RpcException rpc) =>
        rpc.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied
        || rpc.Status.Detail.Contains("permission denied", StringComparison.OrdinalIgnoreCase)
        || rpc.Status.Detail.Contains("authentication failed", StringComparison.OrdinalIgnoreCase)
        || rpc.Status.Detail.Contains("invalid auth token", StringComparison.OrdinalIgnoreCase)
        || rpc.Status.Detail.Contains("user name is empty", StringComparison.OrdinalIgnoreCase);

    private static T? Find<T>(Exception e)
        where T : Exception => TransportErrors.Find<T>(e);

    /// <summary>The server's detail, or for a client-side failure the innermost message: no .NET type names ("HttpRequestException: ...").</summary>
    private static string Plain(RpcException rpc)
    {
        var text = rpc.Status.DebugException is { } debug ? TransportErrors.Innermost(debug).Message : rpc.Status.Detail;
        return TypeName().Replace(text, string.Empty).Replace("Error starting gRPC call. ", string.Empty, StringComparison.Ordinal).TrimEnd('.');
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*Exception: ")]
    private static partial System.Text.RegularExpressions.Regex TypeName();
}
