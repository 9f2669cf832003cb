using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Pitcrew.Errors;

namespace Pitcrew.Etcd;

/// <summary>A throwaway single-member etcd on free loopback ports, started as a child process and stopped by PID.</summary>
public sealed class LocalEtcd : IAsyncDisposable
{
    public const string DefaultBinary = "/usr/bin/etcd";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly StreamWriter _log;

    private LocalEtcd(Process process, StreamWriter log, string dataDir, string clientUrl, string logPath)
    {
        _process = process;
        _log = log;
        DataDir = dataDir;
        ClientUrl = clientUrl;
        LogPath = logPath;
    }

    public string DataDir { get; }

    public string ClientUrl { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    /// <summary>Starts etcd with its data under dataDir and waits until it serves requests.</summary>
    public static async Task<LocalEtcd> StartAsync(string dataDir, string name, TimeProvider time, CancellationToken cancellationToken)
    {
        var binary = File.Exists(DefaultBinary) ? DefaultBinary : FindOnPath("etcd")
            ?? throw new PitcrewException("etcd not found: run scripts/setup.sh (it installs Debian's etcd-server)", ExitCodes.Failed);
        Directory.CreateDirectory(dataDir);
        var clientUrl = $"http://127.0.0.1:{FreePort()}";
        var peerUrl = $"http://127.0.0.1:{FreePort()}";
        var logPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(dataDir))!, $"{name}.log");
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var commandLine = new EtcdCommandLine(name, dataDir, clientUrl, peerUrl, $"{name}={peerUrl}", $"pitcrew-{name}");
        foreach (var arg in commandLine.Arguments())
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new PitcrewException($"cannot start {binary}", ExitCodes.Failed);
        var log = File.CreateText(logPath);
        process.ErrorDataReceived += (_, e) => WriteLine(log, e.Data);
        process.OutputDataReceived += (_, e) => WriteLine(log, e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var etcd = new LocalEtcd(process, log, dataDir, clientUrl, logPath);
        try
        {
            await etcd.WaitReadyAsync(time, cancellationToken).ConfigureAwait(false);
            return etcd;
        }
        catch
        {
            await etcd.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the process and waits for it to exit; the data dir is left for the caller.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private async Task WaitReadyAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var options = new EtcdConnectionOptions([ClientUrl], CommandTimeout: TimeSpan.FromSeconds(1));
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < ReadyTimeout)
        {
            if (_process.HasExited)
            {
                throw new PitcrewException($"etcd exited with code {_process.ExitCode}; see {LogPath}", ExitCodes.Failed);
            }

            var health = await EtcdEndpoints.HealthAsync(options, wholeCluster: false, time, cancellationToken).ConfigureAwait(false);
            if (health[0].Healthy)
            {
                return;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        throw new PitcrewException($"etcd at {ClientUrl} not ready after {ReadyTimeout.TotalSeconds:0} s; see {LogPath}", ExitCodes.Unavailable);
    }

    private static void WriteLine(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
            log.Flush();
        }
    }

    private static int FreePort()
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
