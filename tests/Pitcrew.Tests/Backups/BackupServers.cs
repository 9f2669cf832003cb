using System.Text;
using Pitcrew.Backups.Crypto;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Backups;

/// <summary>One etcd with Kubernetes-shaped keys and one s3rver, shared by the backup tests of a class.</summary>
public sealed class BackupServers : IAsyncLifetime
{
    public const int Pods = 300;

    private readonly string _root = Directory.CreateTempSubdirectory("pitcrew-backups-").FullName;

    public EtcdFixture Etcd { get; private set; } = null!;

    public S3Fixture S3 { get; private set; } = null!;

    public string Root => _root;

    internal BackupKey Key { get; } = BackupKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var etcd = EtcdFixture.StartAsync(cancellationToken: ct);
        var s3 = S3Fixture.StartAsync(ct);
        Etcd = await etcd;
        S3 = await s3;
        await Etcd.PutManyAsync(
            Enumerable.Range(0, Pods).Select(i => ($"/registry/pods/default/pod-{i}", Encoding.UTF8.GetBytes($"{{\"kind\":\"Pod\",\"n\":{i},\"pad\":\"{new string('x', 2000)}\"}}"))),
            cancellationToken: ct);
        await Etcd.PutAsync("/registry/configmaps/kube-system/kubeadm-config", "{\"kind\":\"ConfigMap\"}");
    }

    public async ValueTask DisposeAsync()
    {
        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }

        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}
