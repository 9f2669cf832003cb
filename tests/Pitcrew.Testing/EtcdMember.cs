using System.Diagnostics;

namespace Pitcrew.Testing;

/// <summary>One etcd process of a fixture: its name, URLs, data dir and PID.</summary>
public sealed class EtcdMember
{
    private readonly Process _process;

    internal EtcdMember(string name, string clientUrl, string peerUrl, string dataDir, string logPath, Process process)
    {
        Name = name;
        ClientUrl = clientUrl;
        PeerUrl = peerUrl;
        DataDir = dataDir;
        LogPath = logPath;
        _process = process;
    }

    public string Name { get; }

    public string ClientUrl { get; }

    public string PeerUrl { get; }

    public string DataDir { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool IsRunning => !_process.HasExited;

    internal Process Process => _process;

    /// <summary>SIGKILL and wait for exit: tests must not wait out etcd's graceful leader transfer.</summary>
    internal async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
    }

    internal string LogTail()
    {
        try
        {
            var lines = File.ReadAllLines(LogPath);
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 15)));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
