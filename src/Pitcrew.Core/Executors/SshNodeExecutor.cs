using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Pitcrew.Executors;

/// <summary>How the SSH executor reaches nodes and decides whether to trust them.</summary>
/// <param name="Inventory">Hosts, users, keys and sudo per node; nodes it does not list are reached at their InternalIP.</param>
/// <param name="KnownHostsPath">The known_hosts file host keys are checked against.</param>
/// <param name="AcceptNewHostKeys">Trust and record the key of a host the file does not list (a changed key is still refused).</param>
/// <param name="ConnectTimeout">How long connecting and the SSH handshake may take.</param>
internal sealed record SshExecutorOptions(NodeInventory Inventory, string KnownHostsPath, bool AcceptNewHostKeys, TimeSpan ConnectTimeout)
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Runs commands on nodes over SSH (SSH.NET): private-key authentication, host keys checked against known_hosts,
/// one connection per node reused for every command, output streamed line by line, sudo -n for non-root users.
/// </summary>
internal sealed class SshNodeExecutor(SshExecutorOptions options, Func<string, CancellationToken, Task<string?>> internalIp, TimeProvider time) : INodeExecutor
{
    /// <summary>Exit code for a command killed by a signal without an exit status (as ssh(1) reports a lost session).</summary>
    public const int NoExitStatus = 255;

    /// <summary>rw------- for an uploaded file (SSH.NET reads the decimal digits as octal).</summary>
    private const short PrivateMode = 600;

    private static readonly string[] DefaultKeyNames = ["id_ed25519", "id_ecdsa", "id_rsa"];
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly Dictionary<string, (SshClient Client, SshHost Host)> _clients = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SftpClient> _sftp = new(StringComparer.Ordinal);
    private readonly KnownHosts _knownHosts = new(options.KnownHostsPath);

    public async Task<CommandResult> RunAsync(string node, NodeCommand command, Action<OutputLine>? output, CancellationToken cancellationToken)
    {
        var (client, host) = await ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        using var ssh = client.CreateCommand(command.RemoteLine(direct: host.User == "root" || !host.Sudo));
        var collector = new OutputCollector(output);
        using var timeout = new CancellationTokenSource(command.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var run = ssh.ExecuteAsync(linked.Token);
        var pumps = Task.WhenAll(
            collector.PumpAsync(new StreamReader(ssh.OutputStream, Encoding.UTF8), OutputStream.Stdout, CancellationToken.None),
            collector.PumpAsync(new StreamReader(ssh.ExtendedOutputStream, Encoding.UTF8), OutputStream.Stderr, CancellationToken.None));
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await pumps.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return new CommandResult(node, command.Display, CommandResult.TimeoutExitCode, true, time.GetElapsedTime(started), collector.Lines());
        }
        catch (SshConnectionException e)
        {
            Forget(node);
            throw new PitcrewException($"node/{node}: the SSH session to {host.Host}:{host.Port} ended during {command.Display}: {e.Message}", ExitCodes.Unavailable, e);
        }

        await pumps.ConfigureAwait(false);
        return new CommandResult(node, command.Display, ssh.ExitStatus ?? NoExitStatus, false, time.GetElapsedTime(started), collector.Lines());
    }

    /// <summary>
    /// SFTP into a temporary file (0600) in the login user's directory, then, as root: mkdir the target's directory,
    /// move the file beside the target, make it root's, and rename it over the target (one rename, so the path never holds a part).
    /// </summary>
    public async Task UploadAsync(string node, string localPath, string remotePath, Action<long>? progress, CancellationToken cancellationToken)
    {
        var (_, host) = await ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        var sftp = await SftpAsync(node, host, cancellationToken).ConfigureAwait(false);
        var temp = $"{sftp.WorkingDirectory.TrimEnd('/')}/.pitcrew-upload-{Guid.NewGuid():N}";
        try
        {
            await using (var source = File.OpenRead(localPath))
            await using (var target = await sftp.OpenAsync(temp, FileMode.CreateNew, FileAccess.Write, cancellationToken).ConfigureAwait(false))
            {
                sftp.ChangePermissions(temp, PrivateMode);
                await UploadCopy.CopyAsync(source, target, progress, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SshException or IOException)
        {
            throw new PitcrewException($"node/{node}: SFTP upload of {localPath} to {host.Host}:{temp} failed: {e.Message}", ExitCodes.Unavailable, e);
        }

        var part = remotePath + ".part";
        var dir = Path.GetDirectoryName(remotePath) is { Length: > 0 } d ? d : "/";
        var place = $"mkdir -p -m 0700 {NodeCommand.Quote(dir)} && mv {NodeCommand.Quote(temp)} {NodeCommand.Quote(part)} && chown 0:0 {NodeCommand.Quote(part)} && chmod 0600 {NodeCommand.Quote(part)} && mv -f {NodeCommand.Quote(part)} {NodeCommand.Quote(remotePath)}";
        var placed = await RunAsync(node, NodeCommand.Shell(place) with { Sudo = true, Timeout = TimeSpan.FromMinutes(5) }, null, cancellationToken).ConfigureAwait(false);
        if (!placed.Succeeded)
        {
            await sftp.DeleteFileAsync(temp, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw new PitcrewException($"node/{node}: cannot move the uploaded copy into {remotePath} (exit {placed.ExitCode}): {placed.Tail(3)}" +
                (placed.SudoHint() is { } hint ? "; " + hint : string.Empty), ExitCodes.Failed);
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var (client, _) in _clients.Values)
        {
            client.Dispose();
        }

        foreach (var sftp in _sftp.Values)
        {
            sftp.Dispose();
        }

        _sftp.Clear();
        _clients.Clear();
        _connecting.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<(SshClient Client, SshHost Host)> ConnectAsync(string node, CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_clients.TryGetValue(node, out var open) && open.Client.IsConnected)
            {
                return open;
            }

            Forget(node);
            var address = options.Inventory.HasHost(node) ? null : await internalIp(node, cancellationToken).ConfigureAwait(false);
            var host = options.Inventory.Resolve(node, address);
            var client = await OpenAsync(host, c => new SshClient(c), cancellationToken).ConfigureAwait(false);
            _clients[node] = (client, host);
            return (client, host);
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<SftpClient> SftpAsync(string node, SshHost host, CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_sftp.TryGetValue(node, out var open) && open.IsConnected)
            {
                return open;
            }

            if (_sftp.Remove(node, out var old))
            {
                old.Dispose();
            }

            var client = await OpenAsync(host, c => new SftpClient(c), cancellationToken).ConfigureAwait(false);
            _sftp[node] = client;
            return client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<T> OpenAsync<T>(SshHost host, Func<ConnectionInfo, T> create, CancellationToken cancellationToken)
        where T : BaseClient
    {
        var target = $"node/{host.Node} ({host.User}@{host.Host}:{host.Port})";
        var keyFile = host.KeyFile ?? DefaultKeyFile()
            ?? throw new PitcrewException($"{target}: no private key: set keyFile in the inventory or pass --ssh-key", ExitCodes.Usage);
        PrivateKeyFile key;
        try
        {
            key = new PrivateKeyFile(keyFile);
        }
        catch (Exception e) when (e is IOException or SshException or UnauthorizedAccessException)
        {
            throw new PitcrewException($"{target}: cannot read the private key {keyFile}: {e.Message}", ExitCodes.FileUnreadable, e);
        }

        var connection = new ConnectionInfo(host.Host, host.Port, host.User, new PrivateKeyAuthenticationMethod(host.User, key)) { Timeout = options.ConnectTimeout };
        var client = create(connection);
        var verdict = HostKeyVerdict.Unknown;
        byte[]? offered = null;
        client.HostKeyReceived += (_, e) =>
        {
            offered = e.HostKey;
            verdict = _knownHosts.Check(host.Host, host.Port, e.HostKey);
            e.CanTrust = verdict == HostKeyVerdict.Known || (verdict == HostKeyVerdict.Unknown && options.AcceptNewHostKeys);
        };
        using var deadline = new CancellationTokenSource(options.ConnectTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        try
        {
            await client.ConnectAsync(linked.Token).ConfigureAwait(false);
            if (verdict == HostKeyVerdict.Unknown && offered is not null)
            {
                _knownHosts.Add(host.Host, host.Port, offered);
            }

            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw Translate(e, target, keyFile, verdict, offered);
        }
    }

    private PitcrewException Translate(Exception e, string target, string keyFile, HostKeyVerdict verdict, byte[]? offered)
    {
        var fingerprint = offered is null ? string.Empty : $"{KnownHosts.KeyType(offered)} {KnownHosts.Fingerprint(offered)}";
        return (e, verdict) switch
        {
            (SshConnectionException, HostKeyVerdict.Unknown) when offered is not null => new PitcrewException(
                $"{target}: host key {fingerprint} is not in {_knownHosts.Path}; check it and add it (ssh-keyscan), or pass --ssh-accept-new", ExitCodes.TlsOrAuth, e),
            (SshConnectionException, HostKeyVerdict.Changed) => new PitcrewException(
                $"{target}: HOST KEY CHANGED: the host offered {fingerprint}, which {_knownHosts.Path} does not list for it; refusing (someone may be intercepting, or the host was rebuilt: remove the old line)",
                ExitCodes.TlsOrAuth, e),
            (SshConnectionException, HostKeyVerdict.Revoked) => new PitcrewException(
                $"{target}: host key {fingerprint} is marked @revoked in {_knownHosts.Path}; refusing", ExitCodes.TlsOrAuth, e),
            (SshAuthenticationException, _) => new PitcrewException(
                $"{target}: the server refused the key {keyFile} ({e.Message}); check the user and that the public key is in its authorized_keys", ExitCodes.TlsOrAuth, e),
            (SocketException socket, _) => new PitcrewException($"{target}: cannot connect: {socket.Message}", ExitCodes.Unavailable, e),
            (SshOperationTimeoutException or OperationCanceledException, _) => new PitcrewException(
                $"{target}: no SSH answer within {options.ConnectTimeout.TotalSeconds:0} s", ExitCodes.Unavailable, e),
            _ => new PitcrewException($"{target}: SSH failed: {e.Message}", ExitCodes.Unavailable, e),
        };
    }

    private void Forget(string node)
    {
        if (_clients.Remove(node, out var old))
        {
            old.Client.Dispose();
        }
    }

    private static string? DefaultKeyFile()
    {
        var ssh = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        return DefaultKeyNames.Select(n => Path.Combine(ssh, n)).FirstOrDefault(File.Exists);
    }
}
