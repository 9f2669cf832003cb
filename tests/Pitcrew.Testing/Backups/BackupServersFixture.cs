using System.Text;

namespace Pitcrew.Testing.Backups;

/// <summary>
/// One etcd seeded with Kubernetes-shaped keys, one s3rver, two key files and a temp dir, shared by the backup tests
/// of a class. Each test project picks its seed (how many pods, what each pod looks like) in a thin subclass that
/// also makes it an xunit class fixture (this project does not reference xunit).
/// </summary>
public abstract class BackupServersFixture : IAsyncDisposable
{
    private readonly BackupServersSeed _seed;

    protected BackupServersFixture(string tempPrefix, BackupServersSeed seed)
    {
        _seed = seed;
        Root = Directory.CreateTempSubdirectory(tempPrefix).FullName;
    }

    public string Root { get; }

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

    /// <summary>Starts etcd and s3rver side by side, writes the key files and seeds etcd.</summary>
    protected async ValueTask StartAsync(CancellationToken ct)
    {
        var etcd = EtcdFixture.StartAsync(cancellationToken: ct);
        var s3 = S3Fixture.StartAsync(ct);
        Etcd = await etcd;
        S3 = await s3;
        await File.WriteAllTextAsync(KeyFile, new string('a', 64) + "\n", ct);
        await File.WriteAllTextAsync(OtherKeyFile, new string('b', 64) + "\n", ct);
        await Etcd.PutManyAsync(
            Enumerable.Range(0, _seed.Pods).Select(i => ($"/registry/pods/default/pod-{i}", Encoding.UTF8.GetBytes(_seed.Pod(i)))),
            cancellationToken: ct);
        foreach (var (key, value) in _seed.Extra)
        {
            await Etcd.PutAsync(key, value);
        }
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
        GC.SuppressFinalize(this);
    }
}
