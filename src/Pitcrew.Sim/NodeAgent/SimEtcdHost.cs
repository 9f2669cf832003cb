using System.Collections.Concurrent;
using Grpc.Core;
using Pitcrew.Errors;
using Pitcrew.Sim.Storage;
using Pitcrew.Restore;
using Pitcrew.Sim.Cluster;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// The sim's stacked etcd members as the control-plane nodes' etcd, for the restore runbook: the etcd manifest parked
/// on a node stops that node's member; its data dir is the node's /var/lib/etcd (every node path lives under
/// DIR/nodes/NODE); the manifest put back starts it again from whatever that dir then holds. Handles, without the store
/// (a quorum may be down): crictl ps/stop, mv, chown, and snapshot restore with pitcrew or the real etcdctl.
/// </summary>
internal sealed class SimEtcdHost(SimEtcd etcd, string directory)
{
    public const string DataDir = ClusterRestoreProcedure.DefaultDataDir;
    private static readonly TimeSpan StoreBackTimeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, string> _parked = new(StringComparer.Ordinal);
    private readonly NodeDisk _disk = new(directory);

    /// <summary>Members started while no quorum ran: their mirror pods are written once the store answers again.</summary>
    private readonly ConcurrentDictionary<string, bool> _unwritten = new(StringComparer.Ordinal);

    /// <summary>Whether enough members run for the store to answer.</summary>
    public bool StoreUp => etcd.Members.Count(m => m.Running) >= etcd.Quorum;

    /// <summary>Whether the node runs a member (the agent answers for it while the store is down).</summary>
    public bool Knows(string node) => etcd.On(node) is not null;

    /// <summary>Runs the command when it is one of this host's; null when the agent's other commands should.</summary>
    public async Task<int?> TryRunAsync(AgentCall call, CancellationToken cancellationToken)
    {
        switch (call.Words)
        {
            case ["crictl", "ps", ..]:
                return Ps(call);
            case ["crictl", "stop", ..]:
                foreach (var id in call.Operands(2))
                {
                    call.Out(id);
                }

                return 0;
            case ["chown", ..]:
                var chowned = call.Operands(1);
                var target = chowned.Count > 0 ? chowned[^1] : null;
                return target is not null && Exists(call.Node, target) ? 0 : call.Fail(1, $"chown: cannot access '{target}': No such file or directory");
            case ["pitcrew", "etcd", "snapshot", "restore", ..]:
                return await RestoreAsync(call, cancellationToken).ConfigureAwait(false);
            case ["etcdctl", "snapshot", "restore", ..]:
                return await EtcdctlRestore.RunAsync(call, this, cancellationToken).ConfigureAwait(false);
            case ["mv", ..]:
                return await MoveAsync(call, cancellationToken).ConfigureAwait(false);
            case ["cat", var file] when Knows(call.Node) && (file == ServiceCommands.EtcdManifest || (_parked.TryGetValue(call.Node, out var parked) && parked == file)):
                // The etcd manifest, parked or not; any other file is the node disk's (the kubelet's certificates are written on first read).
                return await CatAsync(call, file, cancellationToken).ConfigureAwait(false);
            default:
                return null;
        }
    }

    /// <summary>A node path on the sim's disk: DIR/nodes/NODE/PATH (the node's /var/lib/etcd is its member's data dir).</summary>
    public string Map(string node, string path) => _disk.Map(node, path);

    /// <summary>A file a command names: the node's copy when there is one, else the path as given (the sim's nodes share the host's disk).</summary>
    public string MapFile(string node, string path) => _disk.MapFile(node, path);

    private bool Exists(string node, string path) => Directory.Exists(Map(node, path)) || File.Exists(Map(node, path));

    private int Ps(AgentCall call)
    {
        var name = call.Words.SkipWhile(w => w != "--name").Skip(1).FirstOrDefault()?.Trim('^', '$');
        var member = etcd.On(call.Node);
        var running = name switch
        {
            "etcd" => member is { Running: true },
            "kube-apiserver" => member is not null,
            _ => false,
        };
        if (running)
        {
            call.Out($"{name}-{call.Node}");
        }

        return 0;
    }

    private async Task<int> MoveAsync(AgentCall call, CancellationToken cancellationToken)
    {
        if (ServiceCommands.MoveOperands(call) is not { } operands)
        {
            return call.Fail(1, "mv: missing destination file operand");
        }

        var (source, target) = operands;
        if (source == ServiceCommands.EtcdManifest && Knows(call.Node))
        {
            return await ParkAsync(call, target, cancellationToken).ConfigureAwait(false);
        }

        if (target == ServiceCommands.EtcdManifest && Knows(call.Node))
        {
            return await UnparkAsync(call, source, cancellationToken).ConfigureAwait(false);
        }

        if (ServiceCommands.Component(source) is not null || ServiceCommands.Component(target) is not null)
        {
            return await ServiceCommands.MoveAsync(call, cancellationToken).ConfigureAwait(false);
        }

        return MoveFiles(call, source, target);
    }

    private async Task<int> ParkAsync(AgentCall call, string target, CancellationToken cancellationToken)
    {
        if (_parked.ContainsKey(call.Node))
        {
            return call.Fail(1, $"mv: cannot stat '{ServiceCommands.EtcdManifest}': No such file or directory");
        }

        if (StoreUp)
        {
            // While a quorum runs, the cluster sees the kubelet remove etcd's mirror pod.
            var status = await ServiceCommands.MoveAsync(call, cancellationToken).ConfigureAwait(false);
            if (status != 0)
            {
                return status;
            }
        }

        _parked[call.Node] = target;
        await etcd.StopAsync(call.Node).ConfigureAwait(false);
        var written = Map(call.Node, ServiceCommands.EtcdManifest);
        if (File.Exists(written))
        {
            // A manifest written on this node (member replace) moves with the mv, as a real file would.
            Directory.CreateDirectory(Path.GetDirectoryName(Map(call.Node, target))!);
            File.Move(written, Map(call.Node, target), overwrite: true);
        }

        return 0;
    }

    private async Task<int> UnparkAsync(AgentCall call, string source, CancellationToken cancellationToken)
    {
        if (!_parked.TryGetValue(call.Node, out var parked) || parked != source)
        {
            return await ServiceCommands.MoveAsync(call, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await SimEtcdManifest.StartAsync(etcd, call.Node, Map(call.Node, source), Map(call.Node, ServiceCommands.EtcdManifest), cancellationToken).ConfigureAwait(false);
        }
        catch (PitcrewException e)
        {
            return call.Fail(1, $"etcd did not start from {DataDir} on node/{call.Node}: {e.Message}");
        }

        _parked.TryRemove(call.Node, out _);
        _unwritten[call.Node] = true;
        if (!StoreUp)
        {
            return 0;
        }

        var started = call.Services.Time.GetTimestamp();
        while (true)
        {
            try
            {
                foreach (var node in _unwritten.Keys.Order(StringComparer.Ordinal))
                {
                    await WriteMirrorPodAsync(call.Quiet(node), cancellationToken).ConfigureAwait(false);
                    _unwritten.TryRemove(node, out _);
                }

                return 0;
            }
            catch (RpcException) when (call.Services.Time.GetElapsedTime(started) < StoreBackTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), call.Services.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The store (restored or not) gets the node as running etcd again: the parked mark cleared, etcd's mirror pod back.</summary>
    private static async Task WriteMirrorPodAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var node = await call.MutateNodeAsync(n => Unannotate(n), cancellationToken).ConfigureAwait(false);
        if (node is not null)
        {
            var version = await StaticPods.VersionAsync(call, cancellationToken).ConfigureAwait(false);
            await StaticPods.WriteAsync(call, node, version, ["etcd"], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// cat of a file on the node's disk, or of its etcd manifest (in place or parked) as kubeadm writes it, rendered from the
    /// member's command line until a rewritten one was put there.
    /// </summary>
    private async Task<int> CatAsync(AgentCall call, string file, CancellationToken cancellationToken)
    {
        string text;
        if (File.Exists(Map(call.Node, file)))
        {
            text = await File.ReadAllTextAsync(Map(call.Node, file), cancellationToken).ConfigureAwait(false);
        }
        else if ((file == ServiceCommands.EtcdManifest && !_parked.ContainsKey(call.Node)) || (_parked.TryGetValue(call.Node, out var parked) && parked == file))
        {
            text = SimEtcdManifest.Render(etcd.On(call.Node)!, DataDir);
        }
        else
        {
            return call.Fail(1, $"cat: {file}: No such file or directory");
        }

        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            call.Out(line);
        }

        return 0;
    }

    private int MoveFiles(AgentCall call, string source, string target)
    {
        // A file only on the host's disk (an SFTP upload's temporary file) moves onto the node, as the nodes share that disk.
        var from = Directory.Exists(Map(call.Node, source)) ? Map(call.Node, source) : MapFile(call.Node, source);
        var to = Map(call.Node, target);
        if (!Directory.Exists(from) && !File.Exists(from))
        {
            return call.Fail(1, $"mv: cannot stat '{source}': No such file or directory");
        }

        if (File.Exists(from) && File.Exists(to))
        {
            // mv replaces a file in one rename; directories are never merged (the sim refuses below).
            File.Move(from, to, overwrite: true);
            return 0;
        }

        if (etcd.On(call.Node) is { Running: true } member && from == member.DataDir)
        {
            return call.Fail(1, $"mv: cannot move '{source}': etcd is running on it (the sim refuses; stop etcd first)");
        }

        if (Directory.Exists(to) || File.Exists(to))
        {
            return call.Fail(1, $"mv: cannot move '{source}' to '{target}': File exists");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        if (Directory.Exists(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }

        return 0;
    }

    /// <summary>pitcrew etcd snapshot restore FILE with etcdutl's flags, its dirs on this node's paths.</summary>
    private async Task<int> RestoreAsync(AgentCall call, CancellationToken cancellationToken)
    {
        string? Flag(string name)
        {
            for (var i = 4; i < call.Words.Count; i++)
            {
                if (call.Words[i] == name && i + 1 < call.Words.Count)
                {
                    return call.Words[i + 1];
                }

                if (call.Words[i].StartsWith(name + "=", StringComparison.Ordinal))
                {
                    return call.Words[i][(name.Length + 1)..];
                }
            }

            return null;
        }

        var file = call.Words.Count > 4 ? call.Words[4] : null;
        if (file is null || file.StartsWith('-'))
        {
            return call.Fail(2, "Error: snapshot restore requires exactly one argument");
        }

        var name = Flag("--name") ?? RestoreOptions.DefaultName;
        var bump = Flag("--bump-revision") is { } b ? long.Parse(b, System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
        var options = new RestoreOptions(
            MapFile(call.Node, file),
            Map(call.Node, Flag("--data-dir") ?? $"/{name}.etcd"),
            Flag("--wal-dir") is { } wal ? Map(call.Node, wal) : null,
            name,
            Flag("--initial-cluster") ?? RestoreOptions.DefaultInitialCluster,
            Flag("--initial-cluster-token") ?? RestoreOptions.DefaultToken,
            Flag("--initial-advertise-peer-urls") ?? RestoreOptions.DefaultPeerUrl,
            call.Has("--skip-hash-check"),
            bump,
            call.Has("--mark-compacted"));
        try
        {
            var result = await SnapshotRestorer.RestoreAsync(options, cancellationToken).ConfigureAwait(false);
            call.Out($"restored member {result.Name} (ID {result.MemberId}) of cluster {result.ClusterId} at revision {result.Revision}");
            return 0;
        }
        catch (PitcrewException e)
        {
            return call.Fail(e.ExitCode, "Error: " + e.Message);
        }
    }

    private static bool Unannotate(System.Text.Json.Nodes.JsonObject node)
    {
        var annotations = Api.ObjectMeta.Metadata(node)["annotations"] as System.Text.Json.Nodes.JsonObject;
        annotations?.Remove(ControlPlaneLayout.EtcdManifestAnnotation);
        return true;
    }
}
