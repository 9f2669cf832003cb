using Grpc.Core;

namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Runs the controllers after every change in the cache, and the time-driven ones also on a short tick. Rounds are paced: the
/// pause after a round is as long as the round took (at most 2 s), so a busy cluster gets its changes handled in batches
/// instead of keeping the controllers spinning on every single write.
/// </summary>
internal sealed class ControllerHost(ClusterCache cache, ObjectWriter writer, IReadOnlyList<IController> controllers, TimeProvider time)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MinRound = TimeSpan.FromMilliseconds(50);

    /// <summary>The pause never exceeds this: at 150,000 pods a round can take minutes, and leases must still be renewed.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(2);

    /// <summary>A controller taking longer than this in one round is named in the log (where the sim stops scaling).</summary>
    private static readonly TimeSpan SlowReconcile = TimeSpan.FromSeconds(2);

    /// <summary>Every controller runs at least this often, changes or not (expectations that timed out, missed work).</summary>
    private static readonly TimeSpan FullRound = TimeSpan.FromSeconds(5);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var changed = true;
        var lastFull = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            var next = cache.NextChange;
            var started = time.GetTimestamp();
            var full = changed || time.GetElapsedTime(lastFull) >= FullRound;
            if (full)
            {
                lastFull = started;
            }

            foreach (var controller in controllers.Where(c => full || c.TimeDriven))
            {
                var began = time.GetTimestamp();
                try
                {
                    await controller.ReconcileAsync(cache, writer, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                    if (time.GetElapsedTime(began) is var took && took > SlowReconcile)
                    {
                        SimLog.Warn($"{controller.GetType().Name} took {took.TotalSeconds:F1} s for one round over {cache.Count:N0} objects");
                    }
                }
                catch (RpcException) when (!cancellationToken.IsCancellationRequested)
                {
                    // etcd is away; the next round tries again.
                }
                catch (Exception e) when (e is not OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    // Shutting down: a write cut short (gRPC says Cancelled) is the stop, not a controller failure.
                    throw new OperationCanceledException("the simulator is stopping", e, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One controller's failure must not stop the cluster: say it, and go on with the next round.
                    SimLog.Warn($"{controller.GetType().Name}: {e}");
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

            changed = next.IsCompleted;

            var pause = spent > MinRound ? spent : MinRound;
            var rest = (pause > MaxPause ? MaxPause : pause) - time.GetElapsedTime(ended);
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
