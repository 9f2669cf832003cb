using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>
/// Keeps every PodDisruptionBudget current from one list and one watch, so a blocked eviction is retried when its budget
/// allows again instead of on a fixed beat, and its message can name the budget and its counts.
/// </summary>
internal sealed class BudgetTracker(INodeApi api, TimeProvider time) : IAsyncDisposable
{
    private static readonly TimeSpan RewatchDelay = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private readonly BackgroundLoop _loop = new();
    private readonly ChangeSignal _changed = new();
    private readonly Dictionary<string, int> _claims = [];
    private Dictionary<string, BudgetFacts> _budgets = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var snapshot = await api.ListBudgetsAsync(cancellationToken).ConfigureAwait(false);
        Replace(snapshot.Budgets);
        _loop.Start(ct => WatchLoopAsync(snapshot.ResourceVersion, ct));
    }

    /// <summary>The budgets whose selector matches the pod.</summary>
    public IReadOnlyList<BudgetFacts> Covering(PodFacts pod)
    {
        lock (_gate)
        {
            return [.. _budgets.Values.Where(b => b.Covers(pod))];
        }
    }

    /// <summary>
    /// Why the one budget covering the pod holds its eviction back, from its last status and what this drain has claimed
    /// of it; null when none or several budgets cover the pod (the server's refusal says more then).
    /// </summary>
    public BudgetBlock? Block(PodFacts pod, bool refusedByServer)
    {
        lock (_gate)
        {
            var covering = _budgets.Values.Where(b => b.Covers(pod)).ToList();
            return covering.Count == 1 ? BudgetBlock.Explain(covering[0], _claims.GetValueOrDefault(covering[0].Key), refusedByServer) : null;
        }
    }

    /// <summary>
    /// Whether to send the pod's eviction now: true unless exactly one budget covers the running, ready pod and the
    /// evictions already sent since its last status use up what it allows, so pods under one budget go in turns
    /// instead of all asking and most being refused.
    /// </summary>
    public bool TryClaim(PodFacts pod)
    {
        if (pod.Phase != "Running" || !pod.Ready)
        {
            return true; // The server lets pending and unready pods go without spending the budget.
        }

        lock (_gate)
        {
            var covering = _budgets.Values.Where(b => b.Covers(pod)).ToList();
            if (covering.Count != 1)
            {
                return true; // None: nothing to wait for; several: the server refuses, and says so.
            }

            var budget = covering[0];
            var claimed = _claims.GetValueOrDefault(budget.Key);
            if (budget.ObservedGeneration < budget.Generation || claimed >= budget.DisruptionsAllowed)
            {
                return false;
            }

            _claims[budget.Key] = claimed + 1;
            return true;
        }
    }

    /// <summary>Completes at the next change to any budget, or after the delay, whichever is first.</summary>
    public Task WaitForChangeAsync(TimeSpan delay, CancellationToken cancellationToken) => _changed.WaitAsync(delay, time, cancellationToken);

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
            _claims.Remove(budget.Key);
            _changed.Pulse();
        }
    }

    private void Replace(IReadOnlyList<BudgetFacts> budgets)
    {
        lock (_gate)
        {
            _budgets = budgets.ToDictionary(b => b.Key);
            _claims.Clear();
            _changed.Pulse();
        }
    }

    public ValueTask DisposeAsync() => _loop.DisposeAsync();
}
