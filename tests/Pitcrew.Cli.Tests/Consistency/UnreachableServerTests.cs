using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Consistency;

/// <summary>A server that is not there, not answering or not speaking TLS: exit 5 (or 6), in the dial timeout, one line.</summary>
public sealed class UnreachableServerTests : IDisposable
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(6);
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-cli-unreachable-").FullName;

    public static TheoryData<string> EtcdCommands() =>
    [
        "etcd snapshot save {dir}/s.db",
        "etcd endpoint status",
        "etcd backup create --store file://{dir}/store",
    ];

    public static TheoryData<string> KubernetesCommands() =>
    [
        "doctor",
        "doctor nodes -o json",
        "node drain-plan worker-1",
        "node cordon worker-1",
        "upgrade plan --to v1.31",
    ];

    [Theory]
    [MemberData(nameof(EtcdCommands))]
    public async Task EtcdCommand_AgainstAPortThatAcceptsAndNeverAnswers_ExitsUnavailableWithinTheDialTimeout(string command)
    {
        using var silent = new SilentServer(respond: null);
        var clock = Stopwatch.StartNew();

        var run = await CliRun.InvokeAsync(null, TimeSpan.FromSeconds(30),
            [.. Args(command), "--endpoints", $"127.0.0.1:{silent.Port}", "--dial-timeout", "1s"]);

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1) + Slack, $"took {clock.Elapsed}");
        AssertOneLineWithoutTypeNames(run.Stderr);
        Assert.Contains("dial timeout", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EtcdCommand_WithTlsToAPlainHttpServer_SaysTheServerDoesNotSpeakTls()
    {
        using var plain = new SilentServer(respond: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());

        var run = await CliRun.InvokeAsync(null, TimeSpan.FromSeconds(30),
            "etcd", "snapshot", "save", Path.Combine(_dir, "s.db"), "--endpoints", $"https://127.0.0.1:{plain.Port}", "--insecure-skip-tls-verify");

        Assert.Equal(ExitCodes.TlsOrAuth, run.ExitCode);
        AssertOneLineWithoutTypeNames(run.Stderr);
        Assert.Contains("does not speak TLS", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(KubernetesCommands))]
    public async Task KubernetesCommand_WithAnUnreachableApiServer_ExitsUnavailable(string command)
    {
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: gone
              cluster:
                server: https://127.0.0.1:{ClosedPort()}
                insecure-skip-tls-verify: true
            users:
            - name: admin
              user:
                token: t
            contexts:
            - name: gone
              context: {"{"}cluster: gone, user: admin{"}"}
            current-context: gone
            """, TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync(null, TimeSpan.FromSeconds(60), [.. Args(command), "--kubeconfig", kubeconfig]);

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        AssertOneLineWithoutTypeNames(run.Stderr);
        Assert.Contains("connection refused", run.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Args(string command) => command.Replace("{dir}", _dir, StringComparison.Ordinal).Split(' ');

    private static void AssertOneLineWithoutTypeNames(string stderr)
    {
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("gRPC call", stderr, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nobody listens on.</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Accepts connections on a loopback port and holds them; answers the first bytes with <c>respond</c> when given.</summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Socket> _held = [];

        public SilentServer(byte[]? respond)
        {
            _listener.Start();
            _ = AcceptAsync(respond);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(s => s.Dispose());
            }

            _stop.Dispose();
        }

        private async Task AcceptAsync(byte[]? respond)
        {
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    lock (_held)
                    {
                        _held.Add(socket);
                    }

                    if (respond is not null)
                    {
                        var buffer = new byte[4096];
                        await socket.ReceiveAsync(buffer, _stop.Token);
                        await socket.SendAsync(respond, _stop.Token);
                        socket.Shutdown(SocketShutdown.Both);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped with the test.
            }
        }
    }
}
