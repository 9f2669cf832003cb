using Grpc.Core;

namespace Pitcrew.Sim.Controllers;

/// <summary>Runs the controllers after every change in the cache, and on a short tick for time-based work.</summary>
internal sealed class ControllerHost(ClusterCache cache, ObjectWriter writer, IReadOnlyList<IController> controllers, TimeProvider time)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = cache.NextChange;
            foreach (var controller in controllers)
            {
                try
                {
                    await controller.ReconcileAsync(cache, writer, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                }
                catch (RpcException) when (!cancellationToken.IsCancellationRequested)
                {
                    // etcd is away; the next round tries again.
                }
            }

            try
            {
                await next.WaitAsync(Tick, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Time-based work (pod start delays, grace periods) needs a round even without changes.
            }
        }
    }
}
