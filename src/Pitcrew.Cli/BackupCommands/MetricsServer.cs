using System.Net;
using System.Net.Sockets;
using System.Text;
using Pitcrew.Backups;

namespace Pitcrew.Cli.BackupCommands;

/// <summary>
/// A minimal HTTP/1.1 endpoint for Prometheus: GET /metrics answers the text format, anything else 404; one request
/// per connection. Plain sockets so port 0 works and nothing beyond the runtime is loaded.
/// </summary>
internal sealed class MetricsServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly BackupMetrics _metrics;
    private readonly CancellationTokenSource _stop = new();

    private MetricsServer(TcpListener listener, BackupMetrics metrics)
    {
        _listener = listener;
        _metrics = metrics;
    }

    public IPEndPoint Address => (IPEndPoint)_listener.LocalEndpoint;

    public static MetricsServer Start(IPEndPoint endpoint, BackupMetrics metrics)
    {
        var listener = new TcpListener(endpoint);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new Errors.PitcrewException($"--metrics-addr {endpoint}: cannot listen: {e.Message}", Errors.ExitCodes.Usage, e);
        }

        var server = new MetricsServer(listener, metrics);
        _ = server.AcceptAsync();
        return server;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var requestLine = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) ?? string.Empty;
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false)))
                {
                    // Headers are not needed.
                }

                var parts = requestLine.Split(' ');
                var found = parts.Length >= 2 && parts[0] == "GET" && parts[1].Split('?')[0] is "/metrics" or "/";
                var body = Encoding.UTF8.GetBytes(found ? _metrics.Render() : "not found; metrics are at /metrics\n");
                var head = Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {(found ? "200 OK" : "404 Not Found")}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                    + $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, timeout.Token).ConfigureAwait(false);
                await stream.WriteAsync(body, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
            {
                // A scraper that hangs up or stalls costs nothing more.
            }
        }
    }
}
