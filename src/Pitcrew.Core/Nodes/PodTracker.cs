using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>
/// Follows the pods of one node by watch (kubectl polls each pod every second): a pod is gone once deleted, or once a pod
/// of the same name with another UID stands in its place.
/// </summary>
internal sealed class PodTracker(INodeApi api, string nodeName, TimeProvider time) : IAsyncDisposable
{
    private static readonly TimeSpan RewatchDelay = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly BackgroundLoop _loop = new();
    private readonly ChangeSignal _changed = new();
    private readonly Dictionary<string, PodFacts> _live = [];

    /// <summary>Starts from a listing of the node's pods at its resourceVersion.</summary>
    public void Start(PodSnapshot snapshot)
    {
        Replace(snapshot.Pods);
        _loop.Start(ct => WatchLoopAsync(snapshot.ResourceVersion, ct));
    }

    /// <summary>The pod as last seen, or null once it is gone.</summary>
    public PodFacts? Current(PodFacts pod)
    {
        lock (_gate)
        {
            return _live.TryGetValue(pod.Key, out var seen) && seen.Uid == pod.Uid ? seen : null;
        }
    }

    /// <summary>Waits until the pod is gone or <paramref name="skip"/> says to stop waiting for it; true when gone.</summary>
    public async Task<bool> WaitGoneAsync(PodFacts pod, Func<PodFacts, bool> skip, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = _changed.Next;
            var current = Current(pod);
            if (current is null)
            {
                return true;
            }

            if (skip(current))
            {
                return false;
            }

            // A tick as well as the watch: deletion ages for --skip-wait-for-delete-timeout change with time alone.
            await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task WatchLoopAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in api.WatchPodsAsync(nodeName, resourceVersion, cancellationToken).ConfigureAwait(false))
                {
                    Apply(change);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or Errors.PitcrewException or k8s.Autorest.HttpOperationException)
            {
                await Task.Delay(RewatchDelay, time, cancellationToken).ConfigureAwait(false);
            }

            // The watch ended: list again, so nothing that happened in between is missed, and watch on from there.
            try
            {
                var snapshot = await api.ListPodsAsync(nodeName, null, DrainOptions.DefaultChunkSize, cancellationToken).ConfigureAwait(false);
                Replace(snapshot.Pods);
                resourceVersion = snapshot.ResourceVersion;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or Errors.PitcrewException)
            {
                await Task.Delay(RewatchDelay, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Apply(PodChange change)
    {
        lock (_gate)
        {
            if (change.Deleted)
            {
                if (_live.TryGetValue(change.Pod.Key, out var seen) && seen.Uid == change.Pod.Uid)
                {
                    _live.Remove(change.Pod.Key);
                }
            }
            else
            {
                _live[change.Pod.Key] = change.Pod;
            }

            _changed.Pulse();
        }
    }

    private void Replace(IReadOnlyList<PodFacts> pods)
    {
        lock (_gate)
        {
            _live.Clear();
            foreach (var pod in pods)
            {
                _live[pod.Key] = pod;
            }

            _changed.Pulse();
        }
    }

    public ValueTask DisposeAsync() => _loop.DisposeAsync();
}
