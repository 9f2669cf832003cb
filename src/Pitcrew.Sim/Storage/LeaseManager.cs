using Etcdserverpb;

namespace Pitcrew.Sim.Storage;

/// <summary>Keys under a prefix expire this long after their last write, as events do after kube-apiserver's --event-ttl.</summary>
internal sealed record KeyTtl(string Prefix, TimeSpan Ttl);

/// <summary>
/// etcd leases for keys that expire, handed out as kube-apiserver's lease manager does: a lease is granted with a little
/// extra time (5 % of the TTL, at most a minute) and reused by every write it still covers for the whole TTL, so a burst
/// of events shares one lease instead of granting one each.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "A SemaphoreSlim only holds an OS handle once AvailableWaitHandle is read; this one never is.")]
internal sealed class LeaseManager(Lease.LeaseClient leases, TimeSpan ttl, TimeProvider time)
{
    private const double ReuseFraction = 0.05;
    private const long MaxReuseSeconds = 60;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _leaseId;
    private DateTimeOffset _expires = DateTimeOffset.MinValue;

    /// <summary>The number of leases granted so far (each reused until it no longer covers a full TTL).</summary>
    public int Granted { get; private set; }

    /// <summary>A lease that lives at least the TTL from now: the current one while it does, else a new one.</summary>
    public async Task<long> LeaseAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = time.GetUtcNow();
            if (now + ttl <= _expires)
            {
                return _leaseId;
            }

            var seconds = Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds));
            var granted = seconds + Math.Min((long)(seconds * ReuseFraction), MaxReuseSeconds);
            var response = await leases.LeaseGrantAsync(new LeaseGrantRequest { TTL = granted }, cancellationToken: cancellationToken);
            _leaseId = response.ID;
            _expires = now + TimeSpan.FromSeconds(granted);
            Granted++;
            return _leaseId;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the current lease (etcd no longer knows it), so the next write gets a new one.</summary>
    public async Task InvalidateAsync(long leaseId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_leaseId == leaseId)
        {
            _expires = DateTimeOffset.MinValue;
        }

        _gate.Release();
    }
}
