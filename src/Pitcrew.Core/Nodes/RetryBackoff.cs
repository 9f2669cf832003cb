namespace Pitcrew.Nodes;

/// <summary>
/// Delays between refused evictions: the server's Retry-After when it gives one, else from a quarter of the base delay
/// doubling up to the base (kubectl waits a flat 5 s); the budget watch wakes a waiting retry earlier when the budget allows again.
/// </summary>
internal sealed class RetryBackoff(TimeSpan baseDelay)
{
    private TimeSpan _next = baseDelay / 4;

    public TimeSpan Next(TimeSpan? retryAfter)
    {
        var delay = _next;
        _next = _next * 2 > baseDelay ? baseDelay : _next * 2;
        return retryAfter is { } server && server > delay ? server : delay;
    }
}
