using System.Runtime.InteropServices;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests;

/// <summary>
/// Simulated nodes reached over real SSH: one sshd on 127.0.0.1 with a port per node, whose ForceCommand logs the
/// command the client sent and hands it to `pitcrew sim exec` for that node, plus the inventory and known_hosts files
/// an operator would write. What a runbook runs over SSH then changes the simulated cluster as it would a real node.
/// SFTP sessions get OpenSSH's sftp-server, started in a directory of the node's own under the test's root.
/// </summary>
internal sealed class SimSshBridge : IAsyncDisposable
{
    private readonly string _root;

    private SimSshBridge(string root, SshdFixture sshd, string inventory, string knownHosts)
    {
        _root = root;
        Sshd = sshd;
        Inventory = inventory;
        KnownHosts = knownHosts;
    }

    public SshdFixture Sshd { get; }

    /// <summary>OpenSSH's SFTP server, which the bridge runs for SFTP sessions.</summary>
    public const string SftpServer = SshdFixture.SftpServer;

    /// <summary>Where a node's SFTP session starts (its uploads' temporary files land there before they move onto the node).</summary>
    public string SftpHome(string node) => Path.Combine(_root, $"sftp-{node}");

    /// <summary>The inventory file: every node at its own port, the test's user and key, sudo on.</summary>
    public string Inventory { get; }

    public string KnownHosts { get; }

    /// <summary>The flags that send node commands over this bridge.</summary>
    public string[] ExecutorArgs => ["--executor", "ssh", "--inventory", Inventory, "--known-hosts", KnownHosts];

    public static async Task<SimSshBridge> StartAsync(string root, string simDir, IReadOnlyList<string> nodes, CancellationToken cancellationToken)
    {
        var bridge = Path.Combine(root, "node-bridge.sh");
        var pitcrew = Path.Combine(AppContext.BaseDirectory, "pitcrew");
        var dotnetRoot = Environment.GetEnvironmentVariable("DOTNET_ROOT")
            ?? Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        await File.WriteAllTextAsync(bridge, $"""
            #!/bin/sh
            printf '%s\n' "$SSH_ORIGINAL_COMMAND" >> '{root}/ssh-'"$1"'.log'
            case "$SSH_ORIGINAL_COMMAND" in
              */sftp-server|internal-sftp)
                # SFTP writes the host's disk, in a directory per node; the node agent's mv takes a file from there onto the node.
                mkdir -p '{root}/sftp-'"$1"
                exec {SftpServer} -d '{root}/sftp-'"$1" ;;
            esac
            export DOTNET_ROOT='{dotnetRoot}'
            exec '{pitcrew}' sim exec --dir '{simDir}' "$1" -- "$SSH_ORIGINAL_COMMAND"

            """, cancellationToken);
        File.SetUnixFileMode(bridge, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var sshd = await SshdFixture.StartAsync(new SshdFixtureOptions { Ports = nodes.Count, ForceCommand = i => $"{bridge} {nodes[i]}" }, cancellationToken);
        var inventory = Path.Combine(root, "nodes.yaml");
        await File.WriteAllTextAsync(inventory, $"""
            defaults: {"{"} user: {SshdFixture.User}, keyFile: {sshd.ClientKeyPath}, sudo: true {"}"}
            nodes:
            {string.Concat(nodes.Select((node, i) => $"  {node}: {{ host: {SshdFixture.Host}, port: {sshd.Ports[i]} }}\n"))}
            """, cancellationToken);
        return new SimSshBridge(root, sshd, inventory, sshd.WriteKnownHosts());
    }

    /// <summary>Every command the node received over SSH, in order.</summary>
    public string CommandsOf(string node)
    {
        var log = Path.Combine(_root, $"ssh-{node}.log");
        return File.Exists(log) ? File.ReadAllText(log) : string.Empty;
    }

    public ValueTask DisposeAsync() => Sshd.DisposeAsync();
}
