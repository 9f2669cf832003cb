using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Restore;

[CollectionDefinition(Name)]
public sealed class RestoreSourceGroup : ICollectionFixture<RestoreSource>
{
    public const string Name = "restore-source";
}

/// <summary>
/// A real etcd holding Kubernetes-like and plain keys (tombstones, overwrites, values spanning overflow pages),
/// its snapshot at revision <see cref="Revision"/>, every key as served at that revision, and later writes up to
/// <see cref="LaterRevision"/> that a restore rolls back.
/// </summary>
public sealed class RestoreSource : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("pitcrew-restore-src-").FullName;

    public string SnapshotPath => Path.Combine(Directory, "snap.db");

    public EtcdFixture Etcd { get; private set; } = null!;

    public long Revision { get; private set; }

    public long LaterRevision { get; private set; }

    /// <summary>Every live key at <see cref="Revision"/> as etcd served it.</summary>
    public IReadOnlyList<Mvccpb.KeyValue> Keys { get; private set; } = [];

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        Etcd = await EtcdFixture.StartAsync(cancellationToken: token).WaitAsync(Bound, token);
        var big = new byte[20_000];
        new Random(11).NextBytes(big);
        var items = new List<(string, byte[])>();
        for (var i = 0; i < 1500; i++)
        {
            items.Add(($"/registry/pods/ns{i % 5}/pod-{i:D5}", i % 100 == 0 ? big : Encoding.UTF8.GetBytes($"{{\"kind\":\"Pod\",\"i\":{i}}}")));
        }

        for (var i = 0; i < 300; i++)
        {
            items.Add(($"/app/config-{i:D3}", Encoding.UTF8.GetBytes(new string('v', i))));
        }

        await Etcd.PutManyAsync(items, cancellationToken: token).WaitAsync(Bound, token);
        for (var i = 0; i < 1500; i += 7)
        {
            await Etcd.DeleteAsync($"/registry/pods/ns{i % 5}/pod-{i:D5}");
        }

        for (var i = 0; i < 40; i++)
        {
            await Etcd.PutAsync("/registry/leases/kube-node-lease/node-1", $"renew {i}");
        }

        var saved = await Etcd.RunEtcdctlAsync(["snapshot", "save", SnapshotPath], cancellationToken: token);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
        Revision = await Etcd.RevisionAsync();
        Keys = await AllKeysAsync(Etcd, 0, Revision);

        for (var i = 0; i < 25; i++)
        {
            await Etcd.PutAsync($"/registry/configmaps/default/after-{i}", "written after the snapshot");
        }

        LaterRevision = await Etcd.RevisionAsync();
    }

    /// <summary>Reads every key of a member at a revision (0: current), in key order.</summary>
    public static async Task<IReadOnlyList<Mvccpb.KeyValue>> AllKeysAsync(EtcdFixture etcd, int member, long revision)
    {
        using var channel = etcd.CreateChannel(member);
        var response = await new KV.KVClient(channel).RangeAsync(new RangeRequest
        {
            Key = ByteString.CopyFrom(0),
            RangeEnd = ByteString.CopyFrom(0),
            Revision = revision,
            Serializable = true,
        }, deadline: DateTime.UtcNow.AddSeconds(30));
        return [.. response.Kvs];
    }

    public async ValueTask DisposeAsync()
    {
        await Etcd.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
