using System.Globalization;
using Grpc.Core;

namespace Pitcrew.Etcd;

/// <summary>What a compaction will do: drop the history before Target; Current is the revision now, read from Endpoint.</summary>
public sealed record CompactionPlan(string Endpoint, long Target, long Current)
{
    /// <summary>The revisions of history kept: Target..Current.</summary>
    public long Kept => Current - Target;

    public IReadOnlyList<string> Lines() =>
    [
        string.Create(CultureInfo.InvariantCulture, $"compact etcd history to revision {Target} (current revision {Current}, read from {Endpoint})"),
        Target == Current
            ? "every key keeps only its current value; reads and watches at an older revision fail afterwards (clients such as kube-apiserver relist)"
            : string.Create(CultureInfo.InvariantCulture, $"revisions {Target}..{Current} stay readable; reads and watches before {Target} fail afterwards (clients such as kube-apiserver relist)"),
        "the space it frees is reused by new writes; the file shrinks only with a defrag: pitcrew etcd defrag --cluster",
    ];
}

/// <summary>etcdctl compact, with a plan first: the target checked against the current revision before anything is dropped.</summary>
public static class EtcdCompaction
{
    /// <summary>Plans a compaction to the revision (null: the current one); a future revision is a usage error.</summary>
    public static async Task<CompactionPlan> PlanAsync(EtcdConnectionOptions options, long? revision, CancellationToken cancellationToken)
    {
        if (revision is <= 0)
        {
            throw new PitcrewException(string.Create(CultureInfo.InvariantCulture, $"revision must be positive, not {revision}"), ExitCodes.Usage);
        }

        var statuses = await EtcdEndpoints.StatusAsync(options, wholeCluster: false, cancellationToken).ConfigureAwait(false);
        var answered = statuses.FirstOrDefault(s => s.Reachable)
            ?? throw new PitcrewException("cannot compact: " + string.Join("; ", statuses.Select(s => $"{s.Endpoint}: {s.Failure}")), ExitCodes.Unavailable);
        var target = revision ?? answered.Revision;
        if (target > answered.Revision)
        {
            throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                $"cannot compact to revision {target}: it is a future revision (the current revision is {answered.Revision})"), ExitCodes.Usage);
        }

        return new CompactionPlan(answered.Endpoint, target, answered.Revision);
    }

    /// <summary>Compacts through the endpoint the plan read; an already compacted revision is an error saying so.</summary>
    public static async Task RunAsync(EtcdConnectionOptions options, CompactionPlan plan, bool physical, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var timed = options with { CommandTimeout = options.CommandTimeout ?? EtcdConnectionOptions.DefaultCommandTimeout };
        using var client = new EtcdEndpointClient(timed, plan.Endpoint);
        try
        {
            await client.CompactAsync(plan.Target, physical, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.Status.Detail.Contains("required revision has been compacted", StringComparison.Ordinal))
        {
            throw new PitcrewException(string.Create(CultureInfo.InvariantCulture,
                $"cannot compact to revision {plan.Target}: the history is already compacted at or beyond it (etcdserver: mvcc: required revision has been compacted)"),
                ExitCodes.Failed, e);
        }
        catch (Exception e) when (e is RpcException && !cancellationToken.IsCancellationRequested)
        {
            throw EtcdErrors.Translate(plan.Endpoint, e);
        }
    }
}
