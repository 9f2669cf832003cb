using System.Text;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>etcd with Kubernetes-shaped keys, s3rver, a key file and a temp dir, shared by the backup command tests of a class.</summary>
public sealed class BackupCliServers : IAsyncLifetime
{
    public const int Pods = 200;

    public string Root { get; } = Directory.CreateTempSubdirectory("pitcrew-backup-cli-").FullName;

    public EtcdFixture Etcd { get; private set; } = null!;

    public S3Fixture S3 { get; private set; } = null!;

    public string KeyFile => Path.Combine(Root, "backup.key");

    public string OtherKeyFile => Path.Combine(Root, "other.key");

    /// <summary>S3 credentials and a short retry delay, as a child process or in-process run gets them.</summary>
    public static IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>(S3Fixture.Credentials)
    {
        ["PITCREW_S3_RETRY_DELAY_MS"] = "20",
    };

    public string NewFileStore() => "file://" + Path.Combine(Root, "store-" + Guid.NewGuid().ToString("N"));

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var etcd = EtcdFixture.StartAsync(cancellationToken: ct);
        var s3 = S3Fixture.StartAsync(ct);
        Etcd = await etcd;
        S3 = await s3;
        await File.WriteAllTextAsync(KeyFile, new string('a', 64) + "\n", ct);
        await File.WriteAllTextAsync(OtherKeyFile, new string('b', 64) + "\n", ct);
        await Etcd.PutManyAsync(
            Enumerable.Range(0, Pods).Select(i => ($"/registry/pods/default/pod-{i}", Encoding.UTF8.GetBytes($"{{\"kind\":\"Pod\",\"metadata\":{{\"name\":\"pod-{i}\"}}}}"))),
            cancellationToken: ct);
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

        Directory.Delete(Root, recursive: true);
    }
}
