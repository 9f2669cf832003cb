using System.Diagnostics;
using Pitcrew.Etcd;

namespace Pitcrew.Bench;

/// <summary>Fills etcd with Kubernetes-shaped keys until its database reaches the target size.</summary>
internal static class Loader
{
    private const int Parallelism = 8;
    private const int Batch = 2000;
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static async Task LoadAsync(string endpoint, long targetBytes, CancellationToken cancellationToken)
    {
        var connection = new EtcdConnectionOptions([endpoint], CommandTimeout: TimeSpan.FromSeconds(30));
        var big = new byte[16 * 1024];
        Random.Shared.NextBytes(big);
        var watch = Stopwatch.StartNew();
        var next = 0;
        using var client = new EtcdEndpointClient(connection, endpoint);
        while (true)
        {
            var status = (await EtcdEndpoints.StatusAsync(connection, false, cancellationToken))[0];
            Console.Error.WriteLine($"load: {next} keys, db {status.DbSize / 1e6:0} MB, {watch.Elapsed.TotalSeconds:0} s");
            if (status.DbSize >= targetBytes)
            {
                return;
            }

            if (watch.Elapsed > Limit)
            {
                throw new TimeoutException($"loading did not reach {targetBytes / 1e6:0} MB in {Limit.TotalMinutes} minutes");
            }

            var from = next;
            next += Batch;
            await Parallel.ForEachAsync(Enumerable.Range(from, Batch), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    // Mostly 16 KiB values (secrets, configmaps), one in five small (leases, endpoints).
                    var value = i % 5 == 0 ? new byte[200] : big;
                    await client.PutAsync($"/registry/bench/ns{i % 50}/object-{i}", value, ct);
                });
        }
    }
}
