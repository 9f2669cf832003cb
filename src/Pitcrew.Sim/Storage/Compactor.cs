using Grpc.Core;

namespace Pitcrew.Sim.Storage;

/// <summary>Compacts etcd on a period, keeping one period of history, as kube-apiserver does (watches older than that get 410).</summary>
internal sealed class Compactor(RegistryStore store, TimeSpan interval, TimeProvider time)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        long previous = 0;
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                var current = await store.RevisionAsync(cancellationToken).ConfigureAwait(false);
                if (previous > 0)
                {
                    await store.CompactAsync(previous, cancellationToken).ConfigureAwait(false);
                }

                previous = current;
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                // etcd away, or the revision already compacted: try again next period.
            }
        }
    }
}
