using System.Text;
using Pitcrew.Etcd;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

/// <summary>
/// One real snapshot for corruption and fuzz tests, taken from a real etcd holding enough data for branch
/// pages, overflow pages and tombstones.
/// </summary>
public sealed class SampleSnapshot : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("pitcrew-sample-").FullName;

    public string Path => System.IO.Path.Combine(_root, "sample.db");

    public byte[] Bytes { get; private set; } = [];

    public SnapshotStatus Status { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var timeout = TestContext.Current.CancellationToken;
        await using var etcd = await LocalEtcd.StartAsync(System.IO.Path.Combine(_root, "data"), "sample", TimeProvider.System, timeout)
            .WaitAsync(TimeSpan.FromSeconds(60), timeout);
        using (var client = new EtcdEndpointClient(new EtcdConnectionOptions([etcd.ClientUrl]), etcd.ClientUrl))
        {
            var big = new byte[9000];
            new Random(7).NextBytes(big);
            for (var i = 0; i < 600; i++)
            {
                var value = i % 50 == 0 ? big : Encoding.UTF8.GetBytes($"{{\"kind\":\"Pod\",\"n\":{i}}}");
                await client.PutAsync($"/registry/pods/ns{i % 7}/pod-{i:D4}", value, timeout);
            }

            for (var i = 0; i < 600; i += 9)
            {
                await client.DeleteAsync($"/registry/pods/ns{i % 7}/pod-{i:D4}", timeout);
            }
        }

        await SnapshotSaver.SaveAsync(new SnapshotSaveOptions(Path, new EtcdConnectionOptions([etcd.ClientUrl])), null, TimeProvider.System, timeout)
            .WaitAsync(TimeSpan.FromSeconds(60), timeout);
        Bytes = await File.ReadAllBytesAsync(Path, timeout);
        Status = await SnapshotReader.ReadAsync(Path, checkTrailer: true, timeout);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
