using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Pitcrew.Cluster;
using Pitcrew.Errors;
using Pitcrew.Nodes;

namespace Pitcrew.Testing.Fakes;

/// <summary>
/// A cluster in memory behind <see cref="INodeApi"/>: nodes, pods, budgets and DaemonSets held here and changed as the
/// API server would (a cordon patches spec.unschedulable and the Pitcrew annotation, an eviction is refused with 429
/// while a covering budget allows no disruption, else the pod is deleted and the watch sees it), every call recorded.
/// </summary>
internal sealed class FakeNodeApi : INodeApi
{
    private readonly object _gate = new();
    private readonly Dictionary<string, NodeFacts> _nodes = new(StringComparer.Ordinal);
    private readonly List<PodFacts> _pods = [];
    private readonly List<BudgetFacts> _budgets = [];
    private readonly HashSet<string> _daemonSets = new(StringComparer.Ordinal);
    private readonly Channel<BudgetFacts> _budgetWatch = Channel.CreateUnbounded<BudgetFacts>();
    private readonly Channel<PodChange> _podWatch = Channel.CreateUnbounded<PodChange>();
    private readonly List<string> _calls = [];
    private long _revision = 1;

    public FakeNodeApi(IEnumerable<NodeFacts>? nodes = null, IEnumerable<PodFacts>? pods = null, IEnumerable<BudgetFacts>? budgets = null)
    {
        foreach (var node in nodes ?? [])
        {
            _nodes[node.Name] = node;
        }

        _pods.AddRange(pods ?? []);
        _budgets.AddRange(budgets ?? []);
    }

    /// <summary>Every call as "Method target", in order.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>How many evictions were asked for, granted or not.</summary>
    public int Evictions => Calls.Count(c => c.StartsWith(nameof(EvictAsync), StringComparison.Ordinal));

    /// <summary>When set, answers every eviction instead of the budgets (the pod is deleted only when it answers Accepted).</summary>
    public Func<PodFacts, EvictionResult?>? EvictionAnswer { get; set; }

    public IReadOnlyList<NodeFacts> Nodes
    {
        get
        {
            lock (_gate)
            {
                return [.. _nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal)];
            }
        }
    }

    public IReadOnlyList<PodFacts> Pods
    {
        get
        {
            lock (_gate)
            {
                return [.. _pods];
            }
        }
    }

    public IReadOnlyList<BudgetFacts> Budgets
    {
        get
        {
            lock (_gate)
            {
                return [.. _budgets];
            }
        }
    }

    public NodeFacts Node(string name)
    {
        lock (_gate)
        {
            return _nodes[name];
        }
    }

    /// <summary>Adds or replaces a node (a kubelet reporting in).</summary>
    public void PutNode(NodeFacts node)
    {
        lock (_gate)
        {
            _nodes[node.Name] = node;
        }
    }

    /// <summary>Changes a node as its kubelet or a controller would.</summary>
    public void UpdateNode(string name, Func<NodeFacts, NodeFacts> change)
    {
        lock (_gate)
        {
            _nodes[name] = change(_nodes[name]);
        }
    }

    /// <summary>A pod scheduled (the pod watch does not see it: drains list before they watch).</summary>
    public void PutPod(PodFacts pod)
    {
        lock (_gate)
        {
            _pods.RemoveAll(p => p.Key == pod.Key);
            _pods.Add(pod);
            _revision++;
        }
    }

    public void AddDaemonSet(string ns, string name)
    {
        lock (_gate)
        {
            _daemonSets.Add($"{ns}/{name}");
        }
    }

    /// <summary>A status write of a budget, seen by the budget watch (the same status again when nothing changed).</summary>
    public void Publish(BudgetFacts status)
    {
        lock (_gate)
        {
            _budgets.RemoveAll(b => b.Namespace == status.Namespace && b.Name == status.Name);
            _budgets.Add(status);
            _revision++;
        }

        _budgetWatch.Writer.TryWrite(status);
    }

    /// <summary>A budget deleted (kubectl delete poddisruptionbudget): evictions it covered are judged without it.</summary>
    public void DeleteBudget(string ns, string name)
    {
        lock (_gate)
        {
            _budgets.RemoveAll(b => b.Namespace == ns && b.Name == name);
            _revision++;
        }
    }

    public Task<NodeFacts> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record($"{nameof(GetNodeAsync)} {name}");
            return _nodes.TryGetValue(name, out var node)
                ? Task.FromResult(node)
                : Task.FromException<NodeFacts>(new ServerErrorException($"Error from server (NotFound): nodes \"{name}\" not found", ExitCodes.Failed));
        }
    }

    public Task<IReadOnlyList<NodeFacts>> ListNodesAsync(string? labelSelector, int chunkSize, CancellationToken cancellationToken)
    {
        var matches = LabelSelectorText.Parse(labelSelector);
        lock (_gate)
        {
            Record($"{nameof(ListNodesAsync)} {labelSelector}".TrimEnd());
            return Task.FromResult<IReadOnlyList<NodeFacts>>([.. _nodes.Values.Where(n => matches(n.Labels)).OrderBy(n => n.Name, StringComparer.Ordinal)]);
        }
    }

    public Task SetUnschedulableAsync(string name, bool unschedulable, string? cordonMark, bool serverDryRun, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record($"{nameof(SetUnschedulableAsync)} {name} {unschedulable}{(serverDryRun ? " dry-run" : string.Empty)}");
            if (!_nodes.TryGetValue(name, out var node))
            {
                return Task.FromException(new ServerErrorException($"Error from server (NotFound): nodes \"{name}\" not found", ExitCodes.Failed));
            }

            if (!serverDryRun)
            {
                var annotations = node.Annotations.Where(a => a.Key != NodeFacts.CordonedByPitcrew).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
                if (cordonMark is not null)
                {
                    annotations[NodeFacts.CordonedByPitcrew] = cordonMark;
                }

                _nodes[name] = node with { Unschedulable = unschedulable, Annotations = annotations };
            }

            return Task.CompletedTask;
        }
    }

    public Task<PodSnapshot> ListPodsAsync(string? nodeName, string? labelSelector, int chunkSize, CancellationToken cancellationToken)
    {
        var matches = LabelSelectorText.Parse(labelSelector);
        lock (_gate)
        {
            Record($"{nameof(ListPodsAsync)} {nodeName}".TrimEnd());
            return Task.FromResult(new PodSnapshot([.. _pods.Where(p => (nodeName is null || p.NodeName == nodeName) && matches(p.Labels))], Revision()));
        }
    }

    public Task<bool> DaemonSetExistsAsync(string ns, string name, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record($"{nameof(DaemonSetExistsAsync)} {ns}/{name}");
            return Task.FromResult(_daemonSets.Contains($"{ns}/{name}"));
        }
    }

    public Task<BudgetSnapshot> ListBudgetsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record(nameof(ListBudgetsAsync));
            return Task.FromResult(new BudgetSnapshot([.. _budgets], Revision()));
        }
    }

    public Task<EvictionResult> EvictAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken)
    {
        EvictionResult result;
        lock (_gate)
        {
            Record($"{nameof(EvictAsync)} {pod.Key}");
            result = EvictionAnswer?.Invoke(pod) ?? Judge(pod);
        }

        if (result.Status == EvictionStatus.Accepted && !serverDryRun)
        {
            Remove(pod);
        }

        return Task.FromResult(result);
    }

    public Task<EvictionResult> DeleteAsync(PodFacts pod, int gracePeriodSeconds, bool serverDryRun, CancellationToken cancellationToken)
    {
        bool found;
        lock (_gate)
        {
            Record($"{nameof(DeleteAsync)} {pod.Key}");
            found = _pods.Any(p => p.Key == pod.Key);
        }

        if (found && !serverDryRun)
        {
            Remove(pod);
        }

        return Task.FromResult(found ? EvictionResult.Accepted : EvictionResult.Gone);
    }

    public async IAsyncEnumerable<PodChange> WatchPodsAsync(string nodeName, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record($"{nameof(WatchPodsAsync)} {nodeName}");
        }

        await foreach (var change in _podWatch.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (change.Pod.NodeName == nodeName)
            {
                yield return change;
            }
        }
    }

    public async IAsyncEnumerable<BudgetFacts> WatchBudgetsAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record(nameof(WatchBudgetsAsync));
        }

        await foreach (var status in _budgetWatch.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return status;
        }
    }

    /// <summary>The eviction subresource's answer: gone when the pod is, 429 naming the first covering budget that allows none.</summary>
    private EvictionResult Judge(PodFacts pod)
    {
        if (!_pods.Any(p => p.Key == pod.Key))
        {
            return EvictionResult.Gone;
        }

        var blocking = _budgets.FirstOrDefault(b => b.Covers(pod) && b.DisruptionsAllowed <= 0);
        return blocking is null
            ? EvictionResult.Accepted
            : new EvictionResult(EvictionStatus.TooManyRequests, "Cannot evict pod as it would violate the pod's disruption budget.",
                [$"The disruption budget {blocking.Name} needs {blocking.DesiredHealthy} healthy pods and has {blocking.CurrentHealthy} currently"]);
    }

    private void Remove(PodFacts pod)
    {
        lock (_gate)
        {
            _pods.RemoveAll(p => p.Key == pod.Key);
            _revision++;
        }

        _podWatch.Writer.TryWrite(new PodChange(true, pod));
    }

    private string Revision() => _revision.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Record(string call) => _calls.Add(call);
}
