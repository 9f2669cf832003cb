using System.Diagnostics;
using Etcdserverpb;
using Grpc.Net.Client;
using Pitcrew.Etcd;

namespace Pitcrew.Testing;

/// <summary>
/// Real etcd process(es) on free 127.0.0.1 ports with a temp data dir: plain or TLS with client-certificate
/// auth, one member or three. Killed by PID and the directory deleted on dispose.
/// </summary>
public sealed partial class EtcdFixture : IAsyncDisposable
{
    public const string EtcdBinary = "/usr/bin/etcd";
    public const string EtcdctlBinary = "/usr/bin/etcdctl";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private const int StartAttempts = 3;

    private readonly List<EtcdMember> _members = [];

    private EtcdFixture(EtcdFixtureOptions options, string root, TestCertificates? certificates)
    {
        Options = options;
        RootDirectory = root;
        Certificates = certificates;
    }

    public EtcdFixtureOptions Options { get; }

    public string RootDirectory { get; }

    public TestCertificates? Certificates { get; }

    public IReadOnlyList<EtcdMember> Members => _members;

    /// <summary>The first member's client URL.</summary>
    public string Endpoint => _members[0].ClientUrl;

    /// <summary>Every member's client URL, comma-separated as etcdctl takes them.</summary>
    public string Endpoints => string.Join(',', _members.Select(m => m.ClientUrl));

    public static async Task<EtcdFixture> StartAsync(EtcdFixtureOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(EtcdBinary))
        {
            throw new InvalidOperationException($"etcd not found at {EtcdBinary}: run scripts/setup.sh");
        }

        options ??= new EtcdFixtureOptions();
        for (var attempt = 1; ; attempt++)
        {
            var root = Path.Combine(Path.GetTempPath(), "pitcrew-tests", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(root);
            var certificates = options.Tls ? TestCertificates.Create(Path.Combine(root, "pki")) : null;
            var fixture = new EtcdFixture(options, root, certificates);
            try
            {
                fixture.Launch();
                await fixture.WaitReadyAsync(cancellationToken).ConfigureAwait(false);
                return fixture;
            }
            catch (TimeoutException) when (attempt < StartAttempts && fixture._members.Any(m => !m.IsRunning))
            {
                // Another process took a port between probing and binding it; try again with new ports.
                await fixture.DisposeAsync().ConfigureAwait(false);
            }
            catch
            {
                await fixture.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Connection options for Pitcrew's own client, TLS material included.</summary>
    public EtcdConnectionOptions Connection(string? endpoints = null, TimeSpan? commandTimeout = null) => new(
        (endpoints ?? Endpoints).Split(','),
        Certificates?.CaCertPath,
        Certificates?.ClientCertPath,
        Certificates?.ClientKeyPath,
        CommandTimeout: commandTimeout ?? TimeSpan.FromSeconds(10));

    public GrpcChannel CreateChannel(int member = 0) =>
        EtcdChannelFactory.Create(Connection(_members[member].ClientUrl), _members[member].ClientUrl);

    public async Task KillMemberAsync(int index) => await _members[index].KillAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            await member.KillAsync().ConfigureAwait(false);
            member.Process.Dispose();
        }

        try
        {
            Directory.Delete(RootDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private void Launch()
    {
        var scheme = Options.Tls ? "https" : "http";
        var names = Enumerable.Range(1, Options.Members).Select(i => $"m{i}").ToList();
        var peers = names.ToDictionary(n => n, _ => $"http://127.0.0.1:{FreePorts.Next()}");
        var initialCluster = string.Join(',', names.Select(n => $"{n}={peers[n]}"));
        foreach (var name in names)
        {
            var client = $"{scheme}://127.0.0.1:{FreePorts.Next()}";
            var dataDir = Path.Combine(RootDirectory, name);
            var log = Path.Combine(RootDirectory, name + ".log");
            var tls = Certificates is { } pki ? new EtcdServerTls(pki.ServerCertPath, pki.ServerKeyPath, pki.CaCertPath) : null;
            var args = new EtcdCommandLine(name, dataDir, client, peers[name], initialCluster, "pitcrew-test-" + Path.GetFileName(RootDirectory),
                tls, Options.QuotaBackendBytes, log).Arguments();
            var start = new ProcessStartInfo(EtcdBinary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start etcd");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _members.Add(new EtcdMember(name, client, peers[name], dataDir, log, process));
        }
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        foreach (var (member, index) in _members.Select((m, i) => (m, i)))
        {
            using var channel = CreateChannel(index);
            var maintenance = new Maintenance.MaintenanceClient(channel);
            while (true)
            {
                if (!member.IsRunning)
                {
                    throw new TimeoutException($"etcd {member.Name} exited: {member.LogTail()}");
                }

                try
                {
                    var status = await maintenance.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: cancellationToken);
                    if (status.Leader != 0)
                    {
                        break;
                    }
                }
                catch (Grpc.Core.RpcException)
                {
                    // Not listening yet.
                }

                if (watch.Elapsed > ReadyTimeout)
                {
                    throw new TimeoutException($"etcd {member.Name} not ready after {ReadyTimeout.TotalSeconds:0} s: {member.LogTail()}");
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
