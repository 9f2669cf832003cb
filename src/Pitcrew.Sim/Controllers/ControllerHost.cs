using Grpc.Core;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Runs the controllers after every change in the cache, and on a short tick for time-based work. Rounds are paced: the
/// pause after a round is at least as long as the round took, so a busy cluster gets its changes handled in batches
/// instead of keeping the controllers spinning on every single write.
/// </summary>
internal sealed class ControllerHost(ClusterCache cache, ObjectWriter writer, IReadOnlyList<IController> controllers, TimeProvider time)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MinRound = TimeSpan.FromMilliseconds(50);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = cache.NextChange;
            var started = time.GetTimestamp();
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

            var spent = time.GetElapsedTime(started);
            var ended = time.GetTimestamp();
            try
            {
                await next.WaitAsync(Tick, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Time-based work (pod start delays, grace periods) needs a round even without changes.
            }

            var rest = (spent > MinRound ? spent : MinRound) - time.GetElapsedTime(ended);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
