using System.Text.Json;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Restore;

/// <summary>Runs etcdctl snapshot restore (etcd 3.4) and reads the member and cluster IDs it logs.</summary>
internal sealed record EtcdctlRestore(string ClusterId, IReadOnlySet<string> MemberIds)
{
    public static async Task<EtcdctlRestore> RunAsync(string snapshot, string dataDir, string name, string initialCluster, string token, string peerUrl)
    {
        var result = await EtcdFixture.RunEtcdctlOfflineAsync(
            ["snapshot", "restore", snapshot, "--data-dir", dataDir, "--name", name, "--initial-cluster", initialCluster,
             "--initial-cluster-token", token, "--initial-advertise-peer-urls", peerUrl],
            TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.Stderr);
        string? clusterId = null;
        var members = new HashSet<string>();
        foreach (var line in result.Stderr.Split('\n').Where(l => l.StartsWith('{')))
        {
            using var log = JsonDocument.Parse(line);
            if (log.RootElement.GetProperty("msg").GetString() == "added member")
            {
                clusterId = log.RootElement.GetProperty("cluster-id").GetString();
                members.Add(log.RootElement.GetProperty("added-peer-id").GetString()!);
            }
        }

        Assert.NotNull(clusterId);
        return new EtcdctlRestore(clusterId, members);
    }
}
