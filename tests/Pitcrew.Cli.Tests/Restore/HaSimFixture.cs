using System.Text.Json;
using Pitcrew.Sim;
using Pitcrew.Testing;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Restore;

/// <summary>
/// A sim with three control planes (one real etcd member each) and one worker, shared by a test class, with what the
/// HA restore tests read: a snapshot holding known keys, etcd's own view through the real etcdctl, the nodes' files.
/// </summary>
public sealed class HaSimFixture() : SimFixture("pitcrew-ha-restore-"), IAsyncLifetime
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    public static readonly string[] ControlPlanes = ["cp-1", "cp-2", "cp-3"];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Every member's client URL, comma-separated, as --endpoints takes them.</summary>
    public string Endpoints => string.Join(',', Sim.EtcdEndpoints);

    public async ValueTask InitializeAsync() => await StartAsync(new SimOptions(SimDir, ControlPlanes: 3, Workers: 1), Token);

    /// <summary>A node path on the sim's disk.</summary>
    public string NodePath(string node, string path) => Path.Combine(SimDir, "nodes", node) + path;

    /// <summary>Puts <paramref name="count"/> keys under /PREFIX/, snapshots the cluster into NAME.db here, then deletes the keys again.</summary>
    public async Task<string> SnapshotWithKeysAsync(string prefix, int count, string name)
    {
        for (var i = 0; i < count; i++)
        {
            await EtcdctlOkAsync(Sim.EtcdEndpoints[0], "put", $"/{prefix}/k-{i:00}", $"value {i}");
        }

        var snapshot = Path.Combine(Root, name + ".db");
        var saved = await CliRun.InvokeAsync("etcd", "snapshot", "save", snapshot, "--endpoints", Sim.EtcdEndpoints[0]);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
        await EtcdctlOkAsync(Sim.EtcdEndpoints[0], "del", "--prefix", $"/{prefix}/");
        return snapshot;
    }

    /// <summary>Checks with the real etcdctl what the brief of an HA restore asks: three voting members, one cluster ID, the keys on every member.</summary>
    public async Task<string> AssertRestoredAsync(string prefix, int count)
    {
        var clusterIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in Sim.EtcdEndpoints)
        {
            using var members = JsonDocument.Parse(await EtcdctlOkAsync(endpoint, "member", "list", "-w", "json"));
            var list = members.RootElement.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(3, list.Count);
            Assert.All(list, m => Assert.False(m.TryGetProperty("isLearner", out var learner) && learner.GetBoolean()));
            Assert.Equal(ControlPlanes, list.Select(m => m.GetProperty("name").GetString()).Order(StringComparer.Ordinal));

            using var status = JsonDocument.Parse(await EtcdctlOkAsync(endpoint, "endpoint", "status", "-w", "json"));
            var header = status.RootElement[0].GetProperty("Status").GetProperty("header");
            clusterIds.Add(header.GetProperty("cluster_id").GetRawText());
            clusterIds.Add(members.RootElement.GetProperty("header").GetProperty("cluster_id").GetRawText());

            var keys = await EtcdctlOkAsync(endpoint, "get", "--prefix", $"/{prefix}/", "--keys-only", "--consistency=s");
            Assert.Equal(count, keys.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }

        return Assert.Single(clusterIds);
    }

    public static async Task<string> EtcdctlOkAsync(string endpoint, params string[] args)
    {
        var (code, stdout, stderr) = await ChildProcess.RunAsync("/usr/bin/etcdctl", ["--endpoints", endpoint, .. args], Bound, Token);
        Assert.True(code == 0, $"etcdctl {string.Join(' ', args)}: {stderr}");
        return stdout;
    }

    internal Task<CliRun> PitcrewAsync(params string[] args) => CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);
}
