namespace Pitcrew.Nodes;

/// <summary>
/// Keeps every PodDisruptionBudget current from one list and one watch, so a blocked eviction is retried when its budget
/// allows again instead of on a fixed beat, and its message can name the budget and its counts.
/// </summary>
internal sealed class BudgetTracker(INodeApi api, TimeProvider time) : IAsyncDisposable
{
    private static readonly TimeSpan RewatchDelay = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private Dictionary<string, BudgetFacts> _budgets = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var snapshot = await api.ListBudgetsAsync(cancellationToken).ConfigureAwait(false);
        Replace(snapshot.Budgets);
        _loop = Task.Run(() => WatchLoopAsync(snapshot.ResourceVersion, _stop.Token), CancellationToken.None);
    }

    /// <summary>The budgets whose selector matches the pod.</summary>
    public IReadOnlyList<BudgetFacts> Covering(PodFacts pod)
    {
        lock (_gate)
        {
            return [.. _budgets.Values.Where(b => b.Covers(pod))];
        }
    }

    public IReadOnlyList<BudgetFacts> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _budgets.Values];
            }
        }
    }

    /// <summary>Completes at the next change to any budget, or after the delay, whichever is first.</summary>
    public async Task WaitForChangeAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            changed = _changed.Task;
        }

        await Task.WhenAny(changed, Task.Delay(delay, time, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task WatchLoopAsync(string resourceVersion, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var budget in api.WatchBudgetsAsync(resourceVersion, cancellationToken).ConfigureAwait(false))
                {
                    Update(budget);
                }

                // The server ended the watch (timeout or expired revision): list again and go on from there.
                var snapshot = await api.ListBudgetsAsync(cancellationToken).ConfigureAwait(false);
                Replace(snapshot.Budgets);
                resourceVersion = snapshot.ResourceVersion;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or Errors.PitcrewException or k8s.Autorest.HttpOperationException)
            {
                // Evictions still work without the watch (retries fall back to their delay); try again shortly.
                await Task.Delay(RewatchDelay, time, cancellationToken).ConfigureAwait(false);
                resourceVersion = string.Empty;
            }
        }
    }

    private void Update(BudgetFacts budget)
    {
        lock (_gate)
        {
            _budgets = new Dictionary<string, BudgetFacts>(_budgets) { [budget.Key] = budget };
            Pulse();
        }
    }

    private void Replace(IReadOnlyList<BudgetFacts> budgets)
    {
        lock (_gate)
        {
            _budgets = budgets.ToDictionary(b => b.Key);
            Pulse();
        }
    }

    private void Pulse()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping is what was asked.
            }
        }

        _stop.Dispose();
    }
}
