using System.Text;
using System.Text.Json;
using Pitcrew.Snapshots;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Snapshots;

/// <summary>Status computed natively must equal etcdctl's on the same file, over varied real content.</summary>
public sealed class SnapshotStatusConformanceTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-conformance-").FullName;

    public static TheoryData<string> Shapes => ["empty", "few-keys", "overwrites", "deletes", "compaction", "leases", "large-values", "auth", "50k-keys"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Status_MatchesEtcdctlOnTheSameFile(string shape)
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(cancellationToken: token).WaitAsync(Bound, token);
        var user = await FillAsync(etcd, shape);
        var path = Path.Combine(_dir, shape + ".db");
        var saved = await etcd.RunEtcdctlAsync(user is null ? ["snapshot", "save", path] : ["--user", user, "snapshot", "save", path], cancellationToken: token);
        Assert.True(saved.ExitCode == 0, saved.Stderr);

        var etcdctl = await EtcdFixture.RunEtcdctlOfflineAsync(["snapshot", "status", path, "-w", "json"], token);
        Assert.True(etcdctl.ExitCode == 0, etcdctl.Stderr);
        using var expected = JsonDocument.Parse(etcdctl.Stdout);
        var ours = await SnapshotReader.VerifyAsync(path, skipHashCheck: false, token);

        Assert.Equal(expected.RootElement.GetProperty("hash").GetUInt32(), ours.Hash);
        Assert.Equal(expected.RootElement.GetProperty("revision").GetInt64(), ours.Revision);
        Assert.Equal(expected.RootElement.GetProperty("totalKey").GetInt64(), ours.TotalKey);
        Assert.Equal(expected.RootElement.GetProperty("totalSize").GetInt64(), ours.TotalSize);
        Assert.Equal("all-buckets", ours.TotalKeySemantics);
        Assert.Equal(await LiveKeysAsync(etcd, user), ours.LiveKeys);
    }

    /// <summary>Writes the shape's data; returns the etcdctl --user needed afterwards, if any.</summary>
    private static async Task<string?> FillAsync(EtcdFixture etcd, string shape)
    {
        var token = TestContext.Current.CancellationToken;
        switch (shape)
        {
            case "empty":
                break;
            case "few-keys":
                await etcd.PutAsync("/registry/namespaces/default", "{}");
                await etcd.PutAsync("/registry/pods/default/a", "{}");
                await etcd.PutAsync("plain-key", "value");
                break;
            case "overwrites":
                for (var i = 0; i < 200; i++)
                {
                    await etcd.PutAsync($"/registry/leases/kube-node-lease/node-{i % 5}", $"renew {i}");
                }

                break;
            case "deletes":
                await etcd.PutManyAsync(Enumerable.Range(0, 100).Select(i => ($"/registry/events/default/e{i}", Encoding.UTF8.GetBytes("event"))), cancellationToken: token);
                await etcd.DeleteAsync("/registry/events/default/e1", prefix: true);
                break;
            case "compaction":
                for (var i = 0; i < 100; i++)
                {
                    await etcd.PutAsync($"/registry/configmaps/default/cm{i % 10}", $"v{i}");
                }

                await etcd.DeleteAsync("/registry/configmaps/default/cm3");
                await etcd.CompactAsync(await etcd.RevisionAsync() - 20);
                break;
            case "leases":
                var lease = await etcd.GrantLeaseAsync(3600);
                await etcd.PutAsync("/registry/leases/kube-system/kube-scheduler", "holder", lease);
                await etcd.PutAsync("/registry/masterleases/127.0.0.1", "ip", await etcd.GrantLeaseAsync(600));
                break;
            case "large-values":
                var big = new byte[300_000];
                new Random(3).NextBytes(big);
                await etcd.PutAsync("/registry/secrets/default/big", big);
                await etcd.PutAsync("/registry/configmaps/default/medium", new byte[5000]);
                break;
            case "auth":
                await etcd.PutAsync("/app/settings", "x");
                await etcd.EnableAuthAsync("root-pass");
                return "root:root-pass";
            case "50k-keys":
                await etcd.PutManyAsync(Enumerable.Range(0, 50_000).Select(i => ($"/registry/pods/ns{i % 40}/pod-{i}", new byte[i % 3 == 0 ? 1024 : 16])), 16, token);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape");
        }

        return null;
    }

    private static async Task<long> LiveKeysAsync(EtcdFixture etcd, string? user)
    {
        IEnumerable<string> args = ["get", "", "--from-key", "--keys-only", "-w", "json", "--limit", "0"];
        var result = await etcd.RunEtcdctlAsync(user is null ? args : ["--user", user, .. args], cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        return json.RootElement.TryGetProperty("count", out var count) ? count.GetInt64() : 0;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
