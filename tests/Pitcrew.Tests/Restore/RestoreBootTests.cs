using System.Globalization;
using Etcdserverpb;
using Google.Protobuf;
using Pitcrew.Restore;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Restore;

/// <summary>Native restores boot the real etcd 3.4, as one member and as three, with etcdctl's identities.</summary>
[Collection(RestoreSourceGroup.Name)]
public sealed class RestoreBootTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);
    private readonly RestoreSource _source;
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-restore-").FullName;

    public RestoreBootTests(RestoreSource source)
    {
        _source = source;
    }

    [Fact]
    public async Task Restore_SingleMemberWithoutBump_BootsAndServesEveryKeyAtTheSnapshotRevision()
    {
        var token = TestContext.Current.CancellationToken;
        var peer = $"http://127.0.0.1:{FreePorts.Next()}";
        var cluster = $"solo={peer}";
        var options = new RestoreOptions(_source.SnapshotPath, Path.Combine(_dir, "solo"), Name: "solo", InitialCluster: cluster,
            InitialClusterToken: "restore-solo", InitialAdvertisePeerUrls: peer, BumpRevision: 0);

        var result = await SnapshotRestorer.RestoreAsync(options, token).WaitAsync(Bound, token);
        var etcdctl = await EtcdctlRestore.RunAsync(_source.SnapshotPath, Path.Combine(_dir, "etcdctl-solo"), "solo", cluster, "restore-solo", peer);

        Assert.Equal(etcdctl.ClusterId, result.ClusterId);
        Assert.Equal(etcdctl.MemberIds, new HashSet<string> { result.MemberId });
        Assert.Equal(_source.Revision, result.Revision);
        Assert.False(result.MarkedCompacted);

        await using var etcd = await EtcdFixture.StartRestoredAsync(_dir, [new RestoredMember("solo", result.DataDir, peer)], "restore-solo", token)
            .WaitAsync(Bound, token);
        Assert.Equal(_source.Keys, await RestoreSource.AllKeysAsync(etcd, 0, 0));
        Assert.Equal(_source.Revision, await etcd.RevisionAsync());
        await AssertIdentityAsync(etcd, 0, result.MemberId, result.ClusterId);

        // The restored database takes writes: bbolt grows it from the pages the writer laid out.
        await etcd.PutAsync("/app/after-restore", "ok");
        Assert.Equal(_source.Revision + 1, await etcd.RevisionAsync());
    }

    [Fact]
    public async Task Restore_ThreeMembersFromOneFile_FormOneClusterWithEtcdctlsIdsAndTheBumpedRevision()
    {
        var token = TestContext.Current.CancellationToken;
        var names = new[] { "cp1", "cp2", "cp3" };
        var peers = names.ToDictionary(n => n, _ => $"http://127.0.0.1:{FreePorts.Next()}");
        var cluster = string.Join(',', names.Select(n => $"{n}={peers[n]}"));
        var results = new List<RestoreResult>();
        foreach (var name in names)
        {
            var options = new RestoreOptions(_source.SnapshotPath, Path.Combine(_dir, name), Name: name, InitialCluster: cluster,
                InitialClusterToken: "restore-three", InitialAdvertisePeerUrls: peers[name]);
            results.Add(await SnapshotRestorer.RestoreAsync(options, token).WaitAsync(Bound, token));
        }

        var etcdctl = await EtcdctlRestore.RunAsync(_source.SnapshotPath, Path.Combine(_dir, "etcdctl-cp1"), "cp1", cluster, "restore-three", peers["cp1"]);
        Assert.All(results, r => Assert.Equal(etcdctl.ClusterId, r.ClusterId));
        Assert.Equal(etcdctl.MemberIds, results.Select(r => r.MemberId).ToHashSet());

        // A Kubernetes store is bumped and marked compacted by default.
        var bumped = _source.Revision + RestorePlanner.KubernetesBump;
        Assert.All(results, r => Assert.Equal(bumped, r.Revision));

        await using var etcd = await EtcdFixture.StartRestoredAsync(_dir, [.. names.Select((n, i) => new RestoredMember(n, results[i].DataDir, peers[n]))],
            "restore-three", token).WaitAsync(Bound, token);
        using var channel = etcd.CreateChannel();
        var list = await new Etcdserverpb.Cluster.ClusterClient(channel).MemberListAsync(new MemberListRequest(), cancellationToken: token);
        Assert.Equal(etcdctl.MemberIds, list.Members.Select(m => m.ID.ToString("x", CultureInfo.InvariantCulture)).ToHashSet());
        Assert.Equal(names.ToHashSet(), list.Members.Select(m => m.Name).ToHashSet());
        for (var i = 0; i < names.Length; i++)
        {
            await AssertIdentityAsync(etcd, i, results[i].MemberId, etcdctl.ClusterId);
            Assert.Equal(_source.Keys, await RestoreSource.AllKeysAsync(etcd, i, 0));
        }

        Assert.Equal(bumped, await etcd.RevisionAsync());
        await etcd.PutAsync("/app/after-restore", "ok");
        Assert.Equal(bumped + 1, await etcd.RevisionAsync());
    }

    [Fact]
    public async Task Restore_OfKubernetesStore_WatchFromARevisionSeenBeforeTheRestoreIsToldItIsCompacted()
    {
        var token = TestContext.Current.CancellationToken;

        // A client watching the cluster before the disaster has seen LaterRevision, newer than the snapshot.
        var seen = await WatchAsync(_source.Etcd, _source.LaterRevision, token);
        Assert.Equal(0, seen.CompactRevision);
        Assert.Equal(_source.LaterRevision, seen.Events.Single().Kv.ModRevision);

        var peer = $"http://127.0.0.1:{FreePorts.Next()}";
        var options = new RestoreOptions(_source.SnapshotPath, Path.Combine(_dir, "k8s"), Name: "k8s", InitialCluster: $"k8s={peer}",
            InitialClusterToken: "restore-k8s", InitialAdvertisePeerUrls: peer);
        var result = await SnapshotRestorer.RestoreAsync(options, token).WaitAsync(Bound, token);
        Assert.True(result.KubernetesKeys);
        Assert.True(result.MarkedCompacted);

        await using var etcd = await EtcdFixture.StartRestoredAsync(_dir, [new RestoredMember("k8s", result.DataDir, peer)], "restore-k8s", token)
            .WaitAsync(Bound, token);
        var resumed = await WatchAsync(etcd, _source.LaterRevision + 1, token);
        Assert.Equal(_source.Revision + RestorePlanner.KubernetesBump, resumed.CompactRevision);
        Assert.True(resumed.Canceled);

        // Reads at the old revision fail as compacted too, and the live data is the snapshot's.
        using var channel = etcd.CreateChannel();
        var error = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () =>
            await new KV.KVClient(channel).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/app/"), Revision = _source.LaterRevision }, cancellationToken: token));
        Assert.Contains("compacted", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(_source.Keys, await RestoreSource.AllKeysAsync(etcd, 0, 0));
    }

    public void Dispose()
    {
        // A restored fixture deletes its root (this dir) itself.
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task AssertIdentityAsync(EtcdFixture etcd, int member, string memberId, string clusterId)
    {
        using var channel = etcd.CreateChannel(member);
        var status = await new Maintenance.MaintenanceClient(channel).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(memberId, status.Header.MemberId.ToString("x", CultureInfo.InvariantCulture));
        Assert.Equal(clusterId, status.Header.ClusterId.ToString("x", CultureInfo.InvariantCulture));
    }

    /// <summary>Watches every key from a revision and returns the first response carrying events or a compaction.</summary>
    private static async Task<WatchResponse> WatchAsync(EtcdFixture etcd, long fromRevision, CancellationToken cancellationToken)
    {
        using var channel = etcd.CreateChannel();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var call = new Watch.WatchClient(channel).Watch(cancellationToken: timeout.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFrom(0), RangeEnd = ByteString.CopyFrom(0), StartRevision = fromRevision },
        }, timeout.Token);
        while (await call.ResponseStream.MoveNext(timeout.Token))
        {
            var response = call.ResponseStream.Current;
            if (response.Events.Count > 0 || response.CompactRevision != 0)
            {
                return response;
            }
        }

        throw new InvalidOperationException("watch ended without events or a compaction");
    }
}
