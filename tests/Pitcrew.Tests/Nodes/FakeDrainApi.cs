using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Pitcrew.Cluster;
using Pitcrew.Nodes;

namespace Pitcrew.Tests.Nodes;

/// <summary>
/// A cluster for the drain runner: pods and budgets in memory, watches fed from channels, and evictions judged as the
/// API server does (429 while the one covering budget's status allows none, else granted and the pod deleted).
/// </summary>
internal sealed class FakeDrainApi(IReadOnlyList<PodFacts> pods, BudgetFacts budget) : INodeApi
{
    private readonly Channel<BudgetFacts> _budgets = Channel.CreateUnbounded<BudgetFacts>();
    private readonly Channel<PodChange> _pods = Channel.CreateUnbounded<PodChange>();
    private readonly List<PodFacts> _live = [.. pods];
    private BudgetFacts _budget = budget;
    private int _evictions;

    public int Evictions => Volatile.Read(ref _evictions);

    /// <summary>A status write of the budget, seen by the watch (the same status again when nothing changed).</summary>
    public void Publish(BudgetFacts status)
    {
        Volatile.Write(ref _budget, status);
        _budgets.Writer.TryWrite(status);
    }

    public Task<EvictionResult> EvictAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _evictions);
        var current = Volatile.Read(ref _budget);
        if (current.Covers(pod) && current.DisruptionsAllowed <= 0)
        {
            return Task.FromResult(new EvictionResult(EvictionStatus.TooManyRequests, "Cannot evict pod as it would violate the pod's disruption budget.",
                [$"The disruption budget {current.Name} needs {current.DesiredHealthy} healthy pods and has {current.CurrentHealthy} currently"]));
        }

        lock (_live)
        {
            _live.RemoveAll(p => p.Key == pod.Key);
        }

        _pods.Writer.TryWrite(new PodChange(true, pod));
        return Task.FromResult(EvictionResult.Accepted);
    }

    public Task<PodSnapshot> ListPodsAsync(string? nodeName, string? labelSelector, int chunkSize, CancellationToken cancellationToken)
    {
        lock (_live)
        {
            return Task.FromResult(new PodSnapshot([.. _live.Where(p => nodeName is null || p.NodeName == nodeName)], "1"));
        }
    }

    public Task<BudgetSnapshot> ListBudgetsAsync(CancellationToken cancellationToken) => Task.FromResult(new BudgetSnapshot([Volatile.Read(ref _budget)], "1"));

    public async IAsyncEnumerable<BudgetFacts> WatchBudgetsAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var status in _budgets.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return status;
        }
    }

    public async IAsyncEnumerable<PodChange> WatchPodsAsync(string nodeName, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var change in _pods.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return change;
        }
    }

    public Task<NodeFacts> GetNodeAsync(string name, CancellationToken cancellationToken) => Task.FromResult(Pods.Node(name));

    public Task<IReadOnlyList<NodeFacts>> ListNodesAsync(string? labelSelector, int chunkSize, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<NodeFacts>>([Pods.Node("n1")]);

    public Task SetUnschedulableAsync(string name, bool unschedulable, string? cordonMark, bool serverDryRun, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> DaemonSetExistsAsync(string ns, string name, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<EvictionResult> DeleteAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("these drains evict: nothing should be deleted");
}

/// <summary>The drain's lines, stdout and stderr in one list, as written.</summary>
internal sealed class RecordingReporter : IDrainReporter
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public void Out(string line) => Add(line);

    public void Err(string line) => Add(line);

    private void Add(string line)
    {
        lock (_lines)
        {
            _lines.Add(line);
        }
    }
}
