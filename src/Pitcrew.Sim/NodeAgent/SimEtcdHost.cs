using System.Collections.Concurrent;
using Grpc.Core;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Restore;
using Pitcrew.Sim.Cluster;
using Pitcrew.Sim.Controllers;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// The sim's own etcd as the control-plane nodes' stacked member, for the restore runbook: the etcd manifest parked
/// on every control-plane node stops the real etcd; its data dir is /var/lib/etcd on the first control-plane node (other
/// node paths live under DIR/nodes/NODE); the manifest put back starts it again from whatever that dir then holds.
/// Handles, without the store (etcd may be down): crictl ps/stop, mv, chown and pitcrew etcd snapshot restore.
/// </summary>
internal sealed class SimEtcdHost(LocalEtcd etcd, string directory, AgentStore store)
{
    public const string DataDir = ClusterRestoreProcedure.DefaultDataDir;
    private static readonly TimeSpan StoreBackTimeout = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, string> _parked = new(StringComparer.Ordinal);
    private IReadOnlyList<string> _controlPlanes = [];

    public bool EtcdRunning => etcd.Pid != 0;

    /// <summary>Whether the node is a control-plane node seen before etcd stopped (the agent answers for it meanwhile).</summary>
    public bool Knows(string node) => _controlPlanes.Contains(node, StringComparer.Ordinal);

    /// <summary>Runs the command when it is one of this host's; null when the agent's other commands should.</summary>
    public async Task<int?> TryRunAsync(AgentCall call, CancellationToken cancellationToken)
    {
        switch (call.Words)
        {
            case ["crictl", "ps", ..]:
                if (EtcdRunning)
                {
                    _controlPlanes = await ControlPlanesAsync(cancellationToken).ConfigureAwait(false);
                }

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
            case ["mv", ..]:
                return await MoveAsync(call, cancellationToken).ConfigureAwait(false);
            default:
                return null;
        }
    }

    /// <summary>A node path on the sim's disk: /var/lib/etcd of the first control plane is the real etcd's data dir.</summary>
    public string Map(string node, string path)
    {
        var full = Path.GetFullPath(path);
        return node == HostNode && full == DataDir ? etcd.DataDir : Path.Combine(directory, "nodes", node) + full;
    }

    private string? HostNode => _controlPlanes.Count > 0 ? _controlPlanes[0] : null;

    private bool Exists(string node, string path) => Directory.Exists(Map(node, path)) || File.Exists(Map(node, path));

    private int Ps(AgentCall call)
    {
        var name = call.Words.SkipWhile(w => w != "--name").Skip(1).FirstOrDefault()?.Trim('^', '$');
        var isControlPlane = Knows(call.Node);
        var running = name switch
        {
            "etcd" => isControlPlane && (!_parked.ContainsKey(call.Node) || (call.Node == HostNode && EtcdRunning)),
            "kube-apiserver" => isControlPlane,
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

        if (source == ServiceCommands.EtcdManifest)
        {
            return await ParkAsync(call, target, cancellationToken).ConfigureAwait(false);
        }

        if (target == ServiceCommands.EtcdManifest)
        {
            return await UnparkAsync(call, source, cancellationToken).ConfigureAwait(false);
        }

        return MoveFiles(call, source, target);
    }

    private async Task<int> ParkAsync(AgentCall call, string target, CancellationToken cancellationToken)
    {
        if (!EtcdRunning)
        {
            return call.Fail(1, $"mv: cannot stat '{ServiceCommands.EtcdManifest}': No such file or directory");
        }

        _controlPlanes = await ControlPlanesAsync(cancellationToken).ConfigureAwait(false);
        var status = await ServiceCommands.MoveAsync(call, cancellationToken).ConfigureAwait(false);
        if (status != 0)
        {
            return status;
        }

        _parked[call.Node] = target;
        if (_controlPlanes.All(_parked.ContainsKey))
        {
            // No member left: the kubelet of the last node stops the sim's etcd.
            await etcd.StopAsync().ConfigureAwait(false);
        }

        return 0;
    }

    private async Task<int> UnparkAsync(AgentCall call, string source, CancellationToken cancellationToken)
    {
        if (!_parked.TryGetValue(call.Node, out var parked) || parked != source)
        {
            return await ServiceCommands.MoveAsync(call, cancellationToken).ConfigureAwait(false);
        }

        if (!EtcdRunning)
        {
            try
            {
                await etcd.RestartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PitcrewException e)
            {
                return call.Fail(1, $"etcd did not start from {DataDir} on node/{call.Node}: {e.Message}");
            }
        }

        _parked.TryRemove(call.Node, out _);
        var started = call.Services.Time.GetTimestamp();
        while (true)
        {
            try
            {
                // The restored store has the node as in the snapshot: clear the parked mark and run etcd's mirror pod again.
                var node = await call.MutateNodeAsync(n => Unannotate(n), cancellationToken).ConfigureAwait(false);
                if (node is not null)
                {
                    var version = await StaticPods.VersionAsync(call, cancellationToken).ConfigureAwait(false);
                    await StaticPods.WriteAsync(call, node, version, ["etcd"], cancellationToken).ConfigureAwait(false);
                }

                return 0;
            }
            catch (RpcException) when (call.Services.Time.GetElapsedTime(started) < StoreBackTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), call.Services.Time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<string>> ControlPlanesAsync(CancellationToken cancellationToken) =>
        [.. (await store.ListAsync(AgentStore.Nodes, null, cancellationToken).ConfigureAwait(false))
            .Where(AgentServices.IsControlPlane).Select(Resources.Name).Order(StringComparer.Ordinal)];

    private int MoveFiles(AgentCall call, string source, string target)
    {
        var from = Map(call.Node, source);
        var to = Map(call.Node, target);
        if (!Directory.Exists(from) && !File.Exists(from))
        {
            return call.Fail(1, $"mv: cannot stat '{source}': No such file or directory");
        }

        if (from == etcd.DataDir && EtcdRunning)
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
            file,
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
