using System.Diagnostics;
using System.Net.Sockets;

namespace Pitcrew.Testing;

/// <summary>
/// A real OpenSSH server (/usr/sbin/sshd -D -e) on a free 127.0.0.1 port with its own config, host key and an
/// authorized client key, for the current user; killed by PID and its directory deleted on dispose.
/// </summary>
public sealed class SshdFixture : IAsyncDisposable
{
    public const string SshdBinary = "/usr/sbin/sshd";
    public const string KeygenBinary = "/usr/bin/ssh-keygen";

    /// <summary>OpenSSH's SFTP server, the sftp subsystem (a ForceCommand gets it in SSH_ORIGINAL_COMMAND).</summary>
    public const string SftpServer = "/usr/lib/openssh/sftp-server";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(15);
    private readonly ServerProcess _process;

    private SshdFixture(string directory, IReadOnlyList<int> ports, ServerProcess process)
    {
        Directory = directory;
        Ports = ports;
        _process = process;
    }

    public string Directory { get; }

    /// <summary>The first (or only) port sshd listens on.</summary>
    public int Port => Ports[0];

    /// <summary>Every port sshd listens on, in the order of <see cref="SshdFixtureOptions.Ports"/>.</summary>
    public IReadOnlyList<int> Ports { get; }

    public const string Host = "127.0.0.1";

    public static string User => Environment.UserName;

    /// <summary>The private key sshd accepts.</summary>
    public string ClientKeyPath => Path.Combine(Directory, "client_ed25519");

    /// <summary>A private key sshd does not accept.</summary>
    public string OtherKeyPath => Path.Combine(Directory, "other_ed25519");

    /// <summary>The server's public host key line (type and base64), as known_hosts holds it.</summary>
    public string HostKeyLine => File.ReadAllText(Path.Combine(Directory, "host_ed25519.pub")).Trim();

    /// <summary>Writes a known_hosts file listing this server's real host key; returns its path.</summary>
    public string WriteKnownHosts(string? fileName = null)
    {
        var path = Path.Combine(Directory, fileName ?? "known_hosts");
        var fields = HostKeyLine.Split(' ');
        File.WriteAllText(path, string.Concat(Ports.Select(port => $"[{Host}]:{port} {fields[0]} {fields[1]}\n")));
        return path;
    }

    public static Task<SshdFixture> StartAsync(CancellationToken cancellationToken = default) => StartAsync(new SshdFixtureOptions(), cancellationToken);

    public static async Task<SshdFixture> StartAsync(SshdFixtureOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Ports, 1);
        if (!File.Exists(SshdBinary) || !File.Exists(KeygenBinary))
        {
            throw new InvalidOperationException($"sshd or ssh-keygen not found ({SshdBinary}, {KeygenBinary}): run scripts/setup.sh");
        }

        var directory = Path.Combine(Path.GetTempPath(), "pitcrew-tests", "sshd-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        // sshd checks its privilege-separation directory exists even when it never changes into it.
        System.IO.Directory.CreateDirectory("/run/sshd");
        foreach (var key in new[] { "host_ed25519", "client_ed25519", "other_ed25519" })
        {
            await RunAsync(KeygenBinary, ["-q", "-t", "ed25519", "-N", string.Empty, "-C", key, "-f", Path.Combine(directory, key)], cancellationToken).ConfigureAwait(false);
        }

        File.Copy(Path.Combine(directory, "client_ed25519.pub"), Path.Combine(directory, "authorized_keys"));
        var ports = Enumerable.Range(0, options.Ports).Select(_ => FreePorts.Next()).ToArray();
        var config = Path.Combine(directory, "sshd_config");
        var portLines = string.Concat(ports.Select(port => $"Port {port}\n"));
        // Match blocks come last: everything after a Match line belongs to it.
        var forced = string.Concat(ports.Select((port, index) => options.ForceCommand?.Invoke(index) is { } command
            ? $"Match LocalPort {port}\n    ForceCommand {command}\n"
            : string.Empty));
        await File.WriteAllTextAsync(config, $"""
            {portLines}ListenAddress 127.0.0.1
            HostKey {directory}/host_ed25519
            PidFile {directory}/sshd.pid
            AuthorizedKeysFile {directory}/authorized_keys
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            UsePAM no
            StrictModes no
            PrintMotd no
            LogLevel VERBOSE
            Subsystem sftp {SftpServer}
            {forced}
            """, cancellationToken).ConfigureAwait(false);
        var process = ServerProcess.Start(SshdBinary, ["-D", "-e", "-f", config], directory);
        var fixture = new SshdFixture(directory, ports, process);
        try
        {
            await fixture.WaitListeningAsync(cancellationToken).ConfigureAwait(false);
            return fixture;
        }
        catch
        {
            await fixture.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task WaitListeningAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {_process.ExitCode}: {_process.Output}");
            }

            try
            {
                foreach (var port in Ports)
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(Host, port, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (SocketException) when (watch.Elapsed < ReadyTimeout)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"sshd not listening on {Host}:{string.Join(',', Ports)} after {ReadyTimeout.TotalSeconds:0} s: {_process.Output}", e);
            }
        }
    }

    private static async Task RunAsync(string program, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}");
        }
    }
}
