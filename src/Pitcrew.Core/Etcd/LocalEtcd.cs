using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Pitcrew.Etcd;

/// <summary>
/// A single-member etcd on free loopback ports, started as a child process and stopped by PID. It can be stopped and
/// started again on the same ports and data (what an etcd restart or a restore does under an API server).
/// </summary>
public sealed class LocalEtcd : IAsyncDisposable
{
    public const string DefaultBinary = "/usr/bin/etcd";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ProcessStartInfo _start;
    private readonly StreamWriter _log;
    private readonly TimeProvider _time;
    private Process? _process;

    private LocalEtcd(ProcessStartInfo start, StreamWriter log, TimeProvider time, string dataDir, string clientUrl, string logPath)
    {
        _start = start;
        _log = log;
        _time = time;
        DataDir = dataDir;
        ClientUrl = clientUrl;
        LogPath = logPath;
    }

    public string DataDir { get; }

    public string ClientUrl { get; }

    public string LogPath { get; }

    /// <summary>The running process's id, or 0 while stopped.</summary>
    public int Pid => _process is { HasExited: false } process ? process.Id : 0;

    /// <summary>Starts etcd with its data under dataDir and waits until it serves requests.</summary>
    public static Task<LocalEtcd> StartAsync(string dataDir, string name, TimeProvider time, CancellationToken cancellationToken)
    {
        var peerUrl = $"http://127.0.0.1:{FreePort()}";
        return LaunchAsync(dataDir, name, peerUrl, $"{name}={peerUrl}", $"pitcrew-{name}", time, cancellationToken);
    }

    /// <summary>Starts etcd on a restored single-member data dir: the member's name and peer URL as restored.</summary>
    public static Task<LocalEtcd> StartRestoredAsync(string dataDir, string name, string peerUrl, TimeProvider time, CancellationToken cancellationToken) =>
        LaunchAsync(dataDir, name, peerUrl, $"{name}={peerUrl}", $"pitcrew-{name}", time, cancellationToken);

    /// <summary>
    /// One member of a cluster Pitcrew starts itself (the HA sim): its command line laid out, its process not started yet,
    /// so that every member can be started at once (none serves before a quorum runs).
    /// </summary>
    public static LocalEtcd Member(EtcdCommandLine command, string logPath, TimeProvider time)
    {
        Directory.CreateDirectory(command.DataDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var start = new ProcessStartInfo(Binary()) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in command.Arguments())
        {
            start.ArgumentList.Add(arg);
        }

        return new LocalEtcd(start, File.CreateText(logPath), time, command.DataDir, command.ClientUrl, logPath);
    }

    /// <summary>The next start uses this command line (same data dir and client URL): a member removed and added back to its cluster.</summary>
    public void Reconfigure(EtcdCommandLine command)
    {
        if (Pid != 0)
        {
            throw new InvalidOperationException("stop etcd before changing its command line");
        }

        if (command.DataDir != DataDir || command.ClientUrl != ClientUrl)
        {
            throw new ArgumentException("a new command line keeps the data dir and the client URL", nameof(command));
        }

        _start.ArgumentList.Clear();
        foreach (var arg in command.Arguments())
        {
            _start.ArgumentList.Add(arg);
        }
    }

    /// <summary>A free client or peer URL on loopback.</summary>
    public static string FreeUrl() => $"http://127.0.0.1:{FreePort()}";

    private static string Binary() => File.Exists(DefaultBinary) ? DefaultBinary : FindOnPath("etcd")
        ?? throw new PitcrewException("etcd not found: run scripts/setup.sh (it installs Debian's etcd-server)", ExitCodes.Failed);

    private static async Task<LocalEtcd> LaunchAsync(
        string dataDir, string name, string peerUrl, string initialCluster, string token, TimeProvider time, CancellationToken cancellationToken)
    {
        var logPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, $"{name}.log");
        var etcd = Member(new EtcdCommandLine(name, dataDir, FreeUrl(), peerUrl, initialCluster, token), logPath, time);
        try
        {
            await etcd.RestartAsync(cancellationToken).ConfigureAwait(false);
            return etcd;
        }
        catch
        {
            await etcd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the process (again) on the same ports and data, and waits until it serves.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (Pid != 0)
        {
            return;
        }

        Launch();
        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts the process (again) without waiting for it to serve, as a kubelet starts a static pod: a member of a
    /// cluster whose other members are down cannot serve until they are back. Fails only when the process exits at once.
    /// </summary>
    public async Task LaunchAsync(CancellationToken cancellationToken)
    {
        if (Pid != 0)
        {
            return;
        }

        Launch();
        await Task.Delay(TimeSpan.FromMilliseconds(300), _time, cancellationToken).ConfigureAwait(false);
        if (_process!.HasExited)
        {
            throw new PitcrewException($"etcd exited with code {_process.ExitCode}; see {LogPath}", ExitCodes.Failed);
        }
    }

    private void Launch()
    {
        _process?.Dispose();
        var process = Process.Start(_start) ?? throw new PitcrewException($"cannot start {_start.FileName}", ExitCodes.Failed);
        process.ErrorDataReceived += (_, e) => WriteLine(e.Data);
        process.OutputDataReceived += (_, e) => WriteLine(e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
    }

    /// <summary>Kills the process and waits for it to exit; the data dir stays.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
        }

        if (_process is not null)
        {
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the process; the data dir is left for the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process?.Dispose();
        _process = null;
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var options = new EtcdConnectionOptions([ClientUrl], CommandTimeout: TimeSpan.FromSeconds(1));
        var started = _time.GetTimestamp();
        while (_time.GetElapsedTime(started) < ReadyTimeout)
        {
            if (_process!.HasExited)
            {
                throw new PitcrewException($"etcd exited with code {_process.ExitCode}; see {LogPath}", ExitCodes.Failed);
            }

            var health = await EtcdEndpoints.HealthAsync(options, wholeCluster: false, _time, cancellationToken).ConfigureAwait(false);
            if (health[0].Healthy)
            {
                return;
            }

            await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"etcd at {ClientUrl} not ready after {ReadyTimeout.TotalSeconds:0} s; see {LogPath}", ExitCodes.Unavailable);
    }

    private void WriteLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.WriteLine(line);
            _log.Flush();
        }
    }

    /// <summary>A free TCP port on 127.0.0.1, found by binding port 0.</summary>
    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
