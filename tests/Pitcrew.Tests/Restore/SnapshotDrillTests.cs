using System.Text;
using Etcdserverpb;
using Pitcrew.Restore.Drill;
using Pitcrew.Snapshots.Bolt;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Restore;

[Collection(RestoreSourceGroup.Name)]
public sealed class SnapshotDrillTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private readonly RestoreSource _source;
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-drill-").FullName;

    public SnapshotDrillTests(RestoreSource source)
    {
        _source = source;
    }

    [Fact]
    public async Task Drill_OfKubernetesSnapshot_PassesEveryCheckAndRemovesItsScratchDir()
    {
        var token = TestContext.Current.CancellationToken;

        var report = await SnapshotDrill.RunAsync(_source.SnapshotPath, _dir, skipHashCheck: false, TimeProvider.System, token).WaitAsync(Bound, token);

        Assert.True(report.Ok, string.Join("; ", report.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Expected} != {c.Served}")));
        Assert.Equal(_source.Revision, report.Revision);
        Assert.Equal("3.4.23", report.EtcdVersion);
        var pods = Assert.Single(report.Checks, c => c.Name == "keys /registry/pods/");
        Assert.Equal((1500 - 215).ToString(System.Globalization.CultureInfo.InvariantCulture), pods.Served);
        Assert.Contains(report.Checks, c => c.Name == "HashKV");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task HashKv_ComputedFromTheFile_EqualsTheSourceClustersAfterCompaction()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(cancellationToken: token).WaitAsync(Bound, token);
        for (var i = 0; i < 200; i++)
        {
            await etcd.PutAsync($"/registry/leases/node-{i % 7}", $"renew {i}");
        }

        await etcd.DeleteAsync("/registry/leases/node-3");
        await etcd.DeleteAsync("/registry/leases/node-4");
        var compactAt = await etcd.RevisionAsync();
        await etcd.CompactAsync(compactAt - 20);
        for (var i = 0; i < 30; i++)
        {
            await etcd.PutAsync($"/registry/leases/node-{i % 3}", $"after {i}");
        }

        await etcd.DeleteAsync("/registry/leases/node-0");
        var path = Path.Combine(_dir, "compacted.db");
        var saved = await etcd.RunEtcdctlAsync(["snapshot", "save", path], cancellationToken: token);
        Assert.True(saved.ExitCode == 0, saved.Stderr);

        using var channel = etcd.CreateChannel();
        var served = await new Maintenance.MaintenanceClient(channel).HashKVAsync(new HashKVRequest(), cancellationToken: token);
        SnapshotExpectation expected;
        using (var file = BoltFile.Open(path))
        {
            expected = SnapshotExpectation.Compute(file);
        }

        Assert.Equal(served.Header.Revision, expected.Revision);
        Assert.Equal(served.CompactRevision, expected.CompactRevision);
        Assert.Equal(served.Hash, expected.HashKv);

        var report = await SnapshotDrill.RunAsync(path, _dir, skipHashCheck: false, TimeProvider.System, token).WaitAsync(Bound, token);
        Assert.True(report.Ok, string.Join("; ", report.Checks.Where(c => !c.Ok).Select(c => $"{c.Name}: {c.Expected} != {c.Served}")));
    }

    [Theory]
    [InlineData("/registry/pods/ns/a", "/registry/pods/")]
    [InlineData("/registry/apiextensions.k8s.io/customresourcedefinitions/x", "/registry/apiextensions.k8s.io/")]
    [InlineData("/app/config", "/app/")]
    [InlineData("/toplevel", KeyPrefixes.Other)]
    [InlineData("plain", KeyPrefixes.Other)]
    public void Prefix_GroupsKubernetesKeysByResource(string key, string prefix) =>
        Assert.Equal(prefix, KeyPrefixes.Of(Encoding.UTF8.GetBytes(key)));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
