using System.Globalization;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Pitcrew.Files;

namespace Pitcrew.Upgrade.Apply;

/// <summary>Who holds the maintenance lock: the operation, its run, the host and process.</summary>
internal sealed record LockHolder(string Operation, string RunId, string Host, int Pid)
{
    public string Identity => string.Create(CultureInfo.InvariantCulture, $"{Operation}/{RunId}@{Host}/{Pid}");

    public static LockHolder Here(string operation, string runId) => new(operation, runId, Environment.MachineName, Environment.ProcessId);

    public static LockHolder? Parse(string? identity)
    {
        if (identity is null || identity.Split('@') is not [var left, var right] || left.Split('/') is not [var operation, var run]
            || right.LastIndexOf('/') is var slash && slash < 0 || !int.TryParse(right[(slash + 1)..], CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        return new LockHolder(operation, run, right[..slash], pid);
    }

    /// <summary>Whether the holder is a process on this host that no longer exists.</summary>
    public bool DeadHere()
    {
        if (!string.Equals(Host, Environment.MachineName, StringComparison.Ordinal))
        {
            return false;
        }

        return !LocalProcess.IsAlive(Pid);
    }
}

/// <summary>
/// The cluster-wide maintenance lock: a Lease in kube-system held by one upgrade or restore at a time, renewed in the
/// background. A lease not renewed within its duration, or held by a process on this host that is gone, is stale; a
/// stale lease of the same run (--resume) is taken over at once, another run's only when asked. Losing the lease to
/// someone else cancels <see cref="Lost"/>.
/// </summary>
internal sealed class MaintenanceLock : IAsyncDisposable
{
    public const string LeaseName = "pitcrew-maintenance";
    public const string Namespace = "kube-system";
    public const string DescriptionAnnotation = "pitcrew.dev/operation";
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromSeconds(60);

    private readonly IKubernetes _client;
    private readonly LockHolder _holder;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _renewal;

    private MaintenanceLock(IKubernetes client, LockHolder holder, TimeSpan ttl, TimeProvider time, Action<string> log)
    {
        _client = client;
        _holder = holder;
        _ttl = ttl;
        _time = time;
        _log = log;
    }

    /// <summary>Cancelled when another holder took the lease: the run must stop.</summary>
    public CancellationToken Lost => _lost.Token;

    public static async Task<MaintenanceLock> AcquireAsync(
        IKubernetes client, LockHolder holder, string description, TimeSpan ttl, bool takeOver, TimeProvider time, Action<string> log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var now = time.GetUtcNow();
            var existing = await ReadAsync(client, cancellationToken).ConfigureAwait(false);
            var lease = Lease(holder, description, ttl, now, existing);
            try
            {
                if (existing is null)
                {
                    await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var decision = LockDecision.Decide(Facts(existing), holder, takeOver, ttl, now);
                    if (decision.Action == LockAction.Refuse)
                    {
                        throw new PitcrewException(decision.Message, decision.ExitCode);
                    }

                    log(decision.Message);
                    lease.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                    await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, LeaseName, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
            {
                continue;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
            {
                throw new PitcrewException($"not authorized to take the maintenance lock (lease {Namespace}/{LeaseName}): {e.Response.Content}", ExitCodes.TlsOrAuth, e);
            }

            var taken = new MaintenanceLock(client, holder, ttl, time, log);
            taken._renewal = taken.RenewAsync();
            return taken;
        }

        throw new PitcrewException($"could not take lease {Namespace}/{LeaseName}: it kept changing", ExitCodes.Blocked);
    }

    /// <summary>Gives the lease up: deleted when it is still ours.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewal is not null)
        {
            await _renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        try
        {
            var existing = await ReadAsync(_client, CancellationToken.None).ConfigureAwait(false);
            if (existing?.Spec?.HolderIdentity == _holder.Identity)
            {
                await _client.CoordinationV1.DeleteNamespacedLeaseAsync(LeaseName, Namespace,
                    body: new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = existing.Metadata.ResourceVersion } }).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException)
        {
            _log($"could not release the lock ({e.Message}); it expires by itself in {LockDecision.Seconds(_ttl)}");
        }

        _lost.Dispose();
        _stop.Dispose();
    }

    private async Task RenewAsync()
    {
        var interval = _ttl / 3;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, _stop.Token).ConfigureAwait(false);
                var existing = await ReadAsync(_client, _stop.Token).ConfigureAwait(false);
                if (existing?.Spec?.HolderIdentity != _holder.Identity)
                {
                    _log($"the cluster lock is no longer ours (holder now: {existing?.Spec?.HolderIdentity ?? "none, the lease is gone"})");
                    await _lost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                existing.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
                await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(existing, LeaseName, Namespace, cancellationToken: _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or OperationCanceledException)
            {
                // The API server restarts during kubeadm upgrade apply; keep trying until the lease would expire.
                _log($"could not renew the cluster lock ({e.Message}); retrying");
            }
        }
    }

    private static async Task<V1Lease?> ReadAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The lease as the decision reads it; whether its holder's process is gone is asked of this host.</summary>
    private static LeaseFacts Facts(V1Lease lease) => new(
        lease.Spec?.HolderIdentity,
        lease.Spec?.RenewTime is { } renewed ? new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)) : null,
        lease.Spec?.LeaseDurationSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        lease.Metadata.Annotations?.TryGetValue(DescriptionAnnotation, out var what) == true ? what : null,
        LockHolder.Parse(lease.Spec?.HolderIdentity)?.DeadHere() == true);

    private static V1Lease Lease(LockHolder holder, string description, TimeSpan ttl, DateTimeOffset now, V1Lease? existing) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = LeaseName,
            NamespaceProperty = Namespace,
            Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = description },
            Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "pitcrew" },
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = holder.Identity,
            LeaseDurationSeconds = (int)Math.Ceiling(ttl.TotalSeconds),
            AcquireTime = now.UtcDateTime,
            RenewTime = now.UtcDateTime,
            LeaseTransitions = (existing?.Spec?.LeaseTransitions ?? -1) + 1,
        },
    };
}
