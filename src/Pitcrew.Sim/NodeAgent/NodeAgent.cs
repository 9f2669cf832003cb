using Pitcrew.Executors;
using Pitcrew.Sim.Cluster;
using Pitcrew.Sim.Controllers;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// The simulated node's shell: runs the command lines a kubeadm upgrade runbook sends (apt-get/apt-mark, dnf/yum, kubeadm,
/// systemctl, the etcd manifest move, and the shell glue: pipes, &amp;&amp;, echo, tee, redirections) by changing the
/// simulated node through <see cref="ControlPlaneLayout"/>. Unknown commands exit 127 as a shell says; the node's
/// exec-fail faults fail chosen commands.
/// </summary>
internal sealed class NodeAgent(RegistryStore store, ServedVersion served, SimTimings timings, TimeProvider time, SimEtcd? etcd = null, string? directory = null, Pki.NodePki? pki = null)
{
    private readonly AgentServices _services = new(new AgentStore(store), served, timings, time, etcd) { Pki = pki, Disk = directory is null ? null : new NodeDisk(directory) };
    private readonly SimEtcdHost? _etcdHost = etcd is not { Members.Count: > 0 } || directory is null ? null : new SimEtcdHost(etcd, directory);

    /// <summary>The nodes' files on the sim's disk, or null when the sim has no directory.</summary>
    public NodeDisk? Disk => _services.Disk;

    /// <summary>Whether the node exists (a node with an etcd member stays known while a quorum is down).</summary>
    public async Task<bool> HasNodeAsync(string node, CancellationToken cancellationToken) =>
        _etcdHost?.Knows(node) == true
        || await _services.Store.GetAsync(AgentStore.Nodes, null, node, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Runs a shell line on the node; returns its exit status.</summary>
    public async Task<int> RunAsync(string node, string line, Action<OutputLine> output, CancellationToken cancellationToken)
    {
        IReadOnlyList<Pipeline> pipelines;
        try
        {
            pipelines = ShellLine.Parse(line);
        }
        catch (FormatException e)
        {
            output(new OutputLine(OutputStream.Stderr, "sh: 1: " + e.Message));
            return 2;
        }

        var status = 0;
        foreach (var pipeline in pipelines)
        {
            if ((pipeline.After == "&&" && status != 0) || (pipeline.After == "||" && status == 0))
            {
                continue;
            }

            status = await RunPipelineAsync(node, pipeline, output, cancellationToken).ConfigureAwait(false);
        }

        return status;
    }

    private async Task<int> RunPipelineAsync(string node, Pipeline pipeline, Action<OutputLine> output, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? stdin = null;
        var status = 0;
        for (var i = 0; i < pipeline.Commands.Count; i++)
        {
            var command = pipeline.Commands[i];
            var words = WithoutSudo(command.Words);
            if (words is ["sh" or "bash" or "/bin/sh" or "/bin/bash", "-c", var inner, ..])
            {
                status = await RunAsync(node, inner, output, cancellationToken).ConfigureAwait(false);
                stdin = null;
                continue;
            }

            var call = new AgentCall(node, words, stdin, text => output(new OutputLine(OutputStream.Stderr, text)), _services, time.GetUtcNow());
            status = await DispatchAsync(call, cancellationToken).ConfigureAwait(false);
            if (command.RedirectTo is { } file)
            {
                await PackageCommands.WriteFileAsync(call, file, call.Stdout, command.Append, cancellationToken).ConfigureAwait(false);
                stdin = [];
            }
            else if (i == pipeline.Commands.Count - 1)
            {
                foreach (var text in call.Stdout)
                {
                    output(new OutputLine(OutputStream.Stdout, text));
                }
            }
            else
            {
                stdin = call.Stdout;
            }
        }

        return status;
    }

    private async Task<int> DispatchAsync(AgentCall call, CancellationToken cancellationToken)
    {
        if (Disk is not null && call.Words[0] == "sha256sum")
        {
            return await Disk.Sha256SumAsync(call, cancellationToken).ConfigureAwait(false);
        }

        if (_etcdHost is not null && await _etcdHost.TryRunAsync(call, cancellationToken).ConfigureAwait(false) is { } handled)
        {
            return handled;
        }

        var node = await call.GetNodeAsync(cancellationToken).ConfigureAwait(false);
        if (node is null)
        {
            return call.Fail(255, $"ssh: connect to host {call.Node}: node is gone");
        }

        if (NodeFaults.FailingCommands(NodeFaults.Of(node)).FirstOrDefault(p => call.Line.StartsWith(p, StringComparison.Ordinal)) is { } failing)
        {
            return call.Fail(1, $"{call.Words[0]}: simulated failure on node/{call.Node} ({NodeFaults.ExecFailPrefix}{failing})");
        }

        if (Disk is not null && await FilesAsync(call, Disk, cancellationToken).ConfigureAwait(false) is { } files)
        {
            return files;
        }

        return call.Words[0] switch
        {
            "true" or ":" or "mkdir" or "rm" or "chmod" or "gpg" or "install" => 0,
            "false" => 1,
            "echo" => Echo(call),
            "printf" => Printf(call),
            "cat" => Cat(call),
            "hostname" => Print(call, call.Node),
            "sleep" => await SleepAsync(call, cancellationToken).ConfigureAwait(false),
            "tee" => await PackageCommands.TeeAsync(call, cancellationToken).ConfigureAwait(false),
            "curl" => PackageCommands.Curl(call),
            "apt-mark" => await PackageCommands.AptMarkAsync(call, cancellationToken).ConfigureAwait(false),
            "apt-get" or "apt" => await PackageCommands.AptGetAsync(call, cancellationToken).ConfigureAwait(false),
            "dnf" or "yum" => await PackageCommands.DnfAsync(call, cancellationToken).ConfigureAwait(false),
            "kubeadm" => await KubeadmCommands.RunAsync(call, cancellationToken).ConfigureAwait(false),
            "kubelet" or "kubectl" => await KubeadmCommands.BinaryVersionAsync(call, cancellationToken).ConfigureAwait(false),
            "systemctl" => await ServiceCommands.SystemctlAsync(call, cancellationToken).ConfigureAwait(false),
            "mv" => await ServiceCommands.MoveAsync(call, cancellationToken).ConfigureAwait(false),
            var other => call.Fail(CommandResult.NotFoundExitCode, $"sh: 1: {other}: not found"),
        };
    }

    /// <summary>cat FILE, ls, cp and test on the node's disk; null for any other command (cat with no file reads its input).</summary>
    private static async Task<int?> FilesAsync(AgentCall call, NodeDisk disk, CancellationToken cancellationToken) => call.Words switch
    {
        ["cat", _, ..] => await FileCommands.CatAsync(call, disk, cancellationToken).ConfigureAwait(false),
        ["ls", ..] => await FileCommands.LsAsync(call, disk, cancellationToken).ConfigureAwait(false),
        ["cp", ..] => await FileCommands.CpAsync(call, disk, cancellationToken).ConfigureAwait(false),
        ["test", ..] => await FileCommands.TestAsync(call, disk, cancellationToken).ConfigureAwait(false),
        _ => null,
    };

    /// <summary>sudo [-n] [-E] [-u root] [--] COMMAND: the agent runs everything as root.</summary>
    private static IReadOnlyList<string> WithoutSudo(IReadOnlyList<string> words)
    {
        var i = 0;
        if (words.Count > 0 && words[0] == "sudo")
        {
            i = 1;
            while (i < words.Count && words[i].StartsWith('-'))
            {
                i += words[i] == "--" ? 1 : words[i] == "-u" ? 2 : 1;
                if (words[i - 1] == "--")
                {
                    break;
                }
            }
        }

        return i < words.Count ? [.. words.Skip(i)] : ["true"];
    }

    private static int Print(AgentCall call, string line)
    {
        call.Out(line);
        return 0;
    }

    private static int Echo(AgentCall call)
    {
        var words = call.Words.Skip(1).SkipWhile(w => w is "-e" or "-n" or "-ne" or "-en");
        return Print(call, string.Join(' ', words));
    }

    private static int Printf(AgentCall call)
    {
        if (call.Words.Count < 2)
        {
            return call.Fail(2, "printf: usage: printf format [arguments]");
        }

        var args = new Queue<string>(call.Words.Skip(2));
        var text = System.Text.RegularExpressions.Regex.Replace(call.Words[1], "%[sd]", _ => args.Count > 0 ? args.Dequeue() : string.Empty, System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1))
            .Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            call.Out(line);
        }

        return 0;
    }

    private static int Cat(AgentCall call)
    {
        if (call.Words.Count > 1)
        {
            return call.Fail(1, $"cat: {call.Words[1]}: the simulated node keeps no such file");
        }

        foreach (var line in call.Stdin ?? [])
        {
            call.Out(line);
        }

        return 0;
    }

    private static async Task<int> SleepAsync(AgentCall call, CancellationToken cancellationToken)
    {
        if (call.Words.Count < 2 || !double.TryParse(call.Words[1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
        {
            return call.Fail(1, "sleep: invalid time interval");
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds), call.Services.Time, cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
