namespace Pitcrew.Nodes;

/// <summary>How dry a run is: none acts, client only plans, server sends every write with dryRun=All.</summary>
internal enum DryRun
{
    None,
    Client,
    Server,
}

/// <summary>In which order a node's pods are evicted.</summary>
internal enum EvictionOrder
{
    /// <summary>All at once, as kubectl does.</summary>
    Parallel,

    /// <summary>Lowest priority first, one priority value at a time, so critical pods go last.</summary>
    Priority,
}

/// <summary>One drain's settings, with kubectl's meaning for each flag they share.</summary>
internal sealed record DrainOptions
{
    /// <summary>kubectl's --chunk-size default.</summary>
    public const int DefaultChunkSize = 500;

    public bool Force { get; init; }

    public bool IgnoreDaemonSets { get; init; }

    public bool DeleteEmptyDirData { get; init; }

    /// <remarks>Negative means each pod's own terminationGracePeriodSeconds; 0 means delete now.</remarks>
    public int GracePeriodSeconds { get; init; } = -1;

    /// <remarks>Per node, covering evictions and the wait; zero means no bound.</remarks>
    public TimeSpan Timeout { get; init; }

    public string? PodSelector { get; init; }

    public bool DisableEviction { get; init; }

    /// <remarks>Zero means never skip; otherwise pods deleting for longer than this are not waited for.</remarks>
    public TimeSpan SkipWaitForDeleteTimeout { get; init; }

    public int ChunkSize { get; init; } = DefaultChunkSize;

    public DryRun DryRun { get; init; }

    public int MaxConcurrentNodes { get; init; } = 1;

    /// <remarks>Zero means no bound per zone.</remarks>
    public int MaxPerZone { get; init; }

    public EvictionOrder EvictionOrder { get; init; }

    /// <summary>How long to wait after a refused eviction when the server gives no Retry-After (kubectl: 5 s).</summary>
    public TimeSpan EvictRetryDelay { get; init; } = TimeSpan.FromSeconds(5);
}
