using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Etcd;

namespace Pitcrew.Sim.Storage;

/// <summary>
/// The sim's etcd as kubeadm stacks it: one real etcd process per control-plane node, named after the node, with its data
/// in DIR/nodes/NODE/var/lib/etcd and its log in DIR/nodes/NODE/var/log/etcd.log, joined as one cluster on loopback
/// ports; or, with --etcd-endpoints, an etcd from outside that the sim neither starts nor stops.
/// </summary>
public sealed class SimEtcd : IAsyncDisposable
{
    public const string ClusterToken = "pitcrew-sim";
    public const string LayoutFile = "etcd-members.json";
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private SimEtcd(IReadOnlyList<SimEtcdMember> members, IReadOnlyList<string> clientUrls)
    {
        Members = members;
        ClientUrls = clientUrls;
    }

    /// <summary>The members the sim runs (empty for an etcd from outside), in node order.</summary>
    public IReadOnlyList<SimEtcdMember> Members { get; }

    /// <summary>Every client URL, as kube-apiserver's --etcd-servers.</summary>
    public IReadOnlyList<string> ClientUrls { get; }

    /// <summary>The member on the node, or null (a worker, or an etcd from outside).</summary>
    public SimEtcdMember? On(string node) => Members.FirstOrDefault(m => m.Node == node);

    /// <summary>How many members a quorum needs.</summary>
    public int Quorum => (Members.Count / 2) + 1;

    /// <summary>What each member's mirror pod advertises.</summary>
    internal IReadOnlyDictionary<string, EtcdPodUrls> PodUrls()
    {
        var initialCluster = string.Join(',', Members.Select(m => $"{m.Node}={m.PeerUrl}"));
        return Members.ToDictionary(m => m.Node, m => new EtcdPodUrls(m.ClientUrl, m.PeerUrl, initialCluster), StringComparer.Ordinal);
    }

    public static SimEtcd External(string endpoints) =>
        new([], [.. endpoints.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);

    /// <summary>
    /// Starts one member per node and waits until the cluster serves. A directory that already holds the members' data
    /// keeps their ports (DIR/etcd-members.json): a member's peer URL is part of the cluster's membership.
    /// </summary>
    public static async Task<SimEtcd> StartAsync(string directory, IReadOnlyList<string> nodes, TimeProvider time, CancellationToken cancellationToken)
    {
        var layout = Layout(directory, nodes);
        var initialCluster = string.Join(',', layout.Select(l => $"{l.Node}={l.PeerUrl}"));
        var members = new List<SimEtcdMember>();
        try
        {
            foreach (var (node, clientUrl, peerUrl) in layout)
            {
                var root = Path.Combine(directory, "nodes", node, "var");
                var command = new EtcdCommandLine(node, Path.Combine(root, "lib", "etcd"), clientUrl, peerUrl, initialCluster, ClusterToken);
                members.Add(new SimEtcdMember(node, LocalEtcd.Member(command, Path.Combine(root, "log", "etcd.log"), time), peerUrl) { Command = command });
            }

            await File.WriteAllTextAsync(Path.Combine(directory, LayoutFile), JsonSerializer.Serialize(layout.Select(l => new[] { l.Node, l.ClientUrl, l.PeerUrl })), cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(members.Select(m => m.Process.RestartAsync(cancellationToken))).ConfigureAwait(false);
            return new SimEtcd(members, [.. members.Select(m => m.ClientUrl)]);
        }
        catch
        {
            await Task.WhenAll(members.Select(m => m.Process.DisposeAsync().AsTask())).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the node's member (its process killed, its data kept).</summary>
    public async Task StopAsync(string node)
    {
        var member = Member(node);
        await member.Process.StopAsync().ConfigureAwait(false);
        member.Healthy = false;
    }

    /// <summary>
    /// Starts the node's member again on its data. It is waited for only when a quorum will then run: a member whose
    /// peers are down cannot serve (the kubelet does not wait for it either).
    /// </summary>
    public async Task StartAsync(string node, CancellationToken cancellationToken)
    {
        var member = Member(node);
        if (member.Running)
        {
            return;
        }

        if (Members.Count(m => m.Running) + 1 >= Quorum)
        {
            await member.Process.RestartAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await member.Process.LaunchAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Kills the node's member and overwrites every file of its data dir with garbage (the same sizes), as a failed disk
    /// or a torn write leaves it: it cannot start again on that dir.
    /// </summary>
    public async Task CorruptAsync(string node)
    {
        var member = Member(node);
        await StopAsync(node).ConfigureAwait(false);
        foreach (var file in Directory.Exists(member.DataDir) ? Directory.GetFiles(member.DataDir, "*", SearchOption.AllDirectories) : [])
        {
            var bytes = new byte[Math.Max(4096, new FileInfo(file).Length)];
            System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
            await File.WriteAllBytesAsync(file, bytes).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts the node's member as a member added back to the running cluster (its manifest says
    /// --initial-cluster-state=existing with what member add returned): not waited for, as a learner serves no linearizable read.
    /// </summary>
    public async Task RejoinAsync(string node, string initialCluster, CancellationToken cancellationToken)
    {
        var member = Member(node);
        if (member.Running)
        {
            return;
        }

        var command = member.Command with { InitialCluster = initialCluster, InitialClusterState = "existing" };
        member.Process.Reconfigure(command);
        member.Command = command;
        await member.Process.LaunchAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks every member, until stopped, whether it serves a linearizable read (kubeadm's readiness probe of etcd).</summary>
    public async Task ProbeAsync(TimeSpan interval, TimeProvider time, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await Task.WhenAll(Members.Select(m => ProbeAsync(m, time, stop))).ConfigureAwait(false);
            await Task.Delay(interval, time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Stops every member the sim started.</summary>
    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(Members.Select(m => m.Process.DisposeAsync().AsTask())).ConfigureAwait(false);

    private static async Task ProbeAsync(SimEtcdMember member, TimeProvider time, CancellationToken stop)
    {
        if (!member.Running)
        {
            member.Healthy = false;
            return;
        }

        try
        {
            var options = new EtcdConnectionOptions([member.ClientUrl], CommandTimeout: ProbeTimeout, DialTimeout: ProbeTimeout);
            var health = await EtcdEndpoints.HealthAsync(options, wholeCluster: false, time, stop).ConfigureAwait(false);
            member.Healthy = member.Running && health[0].Healthy;
        }
        catch (Exception e) when (e is PitcrewException or Grpc.Core.RpcException or HttpRequestException)
        {
            member.Healthy = false;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private SimEtcdMember Member(string node) =>
        On(node) ?? throw new PitcrewException($"node/{node} runs no etcd member of this sim", ExitCodes.Usage);

    private static List<(string Node, string ClientUrl, string PeerUrl)> Layout(string directory, IReadOnlyList<string> nodes)
    {
        var path = Path.Combine(directory, LayoutFile);
        if (File.Exists(path) && JsonSerializer.Deserialize<string[][]>(File.ReadAllText(path)) is { } kept
            && kept.Select(k => k[0]).SequenceEqual(nodes, StringComparer.Ordinal))
        {
            return [.. kept.Select(k => (k[0], k[1], k[2]))];
        }

        return [.. nodes.Select(n => (n, LocalEtcd.FreeUrl(), LocalEtcd.FreeUrl()))];
    }
}

/// <summary>One control-plane node's stacked etcd member.</summary>
public sealed class SimEtcdMember(string node, LocalEtcd process, string peerUrl)
{
    private volatile bool _healthy = true;

    public string Node { get; } = node;

    public LocalEtcd Process { get; } = process;

    public string ClientUrl => Process.ClientUrl;

    public string PeerUrl { get; } = peerUrl;

    public string DataDir => Process.DataDir;

    /// <summary>The command line the member starts with (its manifest's flags).</summary>
    public required EtcdCommandLine Command { get; set; }

    public bool Running => Process.Pid != 0;

    /// <summary>The last probe's answer: the member serves linearizable reads.</summary>
    public bool Healthy
    {
        get => _healthy && Running;
        internal set => _healthy = value;
    }
}
