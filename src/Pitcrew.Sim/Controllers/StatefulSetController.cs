namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Carries out each StatefulSet's <see cref="StatefulSetPlan"/>: pods with stable names and identities (a pod that is gone
/// comes back under the same name, with a new uid), the events the real statefulset-controller records, and the status.
/// volumeClaimTemplates are accepted and ignored: the sim has no volumes to claim.
/// </summary>
internal sealed class StatefulSetController(EventRecorder events) : IController
{
    private const string Component = "statefulset-controller";
    private static readonly TimeSpan DeletePatience = TimeSpan.FromSeconds(5);
    private readonly Expectations _expectations = new();

    /// <summary>Pods deleted lately, by uid: not deleted (and reported) again while the cache has yet to show them terminating.</summary>
    private readonly Dictionary<string, DateTimeOffset> _deleted = new(StringComparer.Ordinal);

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = cache.List(Resources.Pods).Where(p => Resources.ControllerUid(p) is not null).ToLookup(p => Resources.ControllerUid(p)!);
        var creations = new List<Task<(string Owner, string[] Names)>>();
        var writes = new List<Task>();
        foreach (var uid in _deleted.Where(p => now - p.Value > DeletePatience).Select(p => p.Key).ToList())
        {
            _deleted.Remove(uid);
        }

        foreach (var set in cache.List(Resources.StatefulSets).Where(s => !Resources.Terminating(s)))
        {
            var owned = pods[Resources.Uid(set)].ToList();
            if (_expectations.Waiting(Resources.Uid(set), owned.Select(Resources.Name), now))
            {
                continue;
            }

            var plan = StatefulSetPlanner.Plan(set, owned);
            var reference = ClusterCache.Copy(set);
            if (plan.Create.Count > 0)
            {
                creations.Add(CreateAsync(writer, reference, plan, now, cancellationToken));
            }

            writes.AddRange(plan.Delete.Where(d => _deleted.TryAdd(Resources.Uid(d.Pod), now))
                .Select(d => DeleteAsync(writer, reference, d.Pod, d.Why, now, cancellationToken)));
            writes.Add(writer.UpdateStatusAsync(Resources.StatefulSets, set, plan.Status, cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        foreach (var (owner, names) in await Task.WhenAll(creations).ConfigureAwait(false))
        {
            _expectations.Expect(owner, names, now);
        }
    }

    /// <summary>The pod for one ordinal: the template's labels and spec, its stable name, hostname and revision labels.</summary>
    internal static JsonObject NewPod(JsonObject set, int ordinal, string revision)
    {
        var name = $"{Resources.Name(set)}-{ordinal}";
        var template = set["spec"]?["template"] as JsonObject ?? [];
        var pod = Resources.PodFromTemplate(template, set, Resources.StatefulSets, new JsonObject
        {
            [StatefulSetPlanner.PodNameLabel] = name,
            [StatefulSetPlanner.RevisionLabel] = revision,
            [StatefulSetPlanner.PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture),
        });
        var metadata = ObjectMeta.Metadata(pod);
        metadata.Remove("generateName");
        metadata["name"] = name;
        var spec = pod["spec"] as JsonObject ?? [];
        spec["hostname"] = name;
        if ((string?)set["spec"]?["serviceName"] is { Length: > 0 } service)
        {
            spec["subdomain"] = service;
        }

        pod["spec"] = spec;
        return pod;
    }

    private async Task<(string Owner, string[] Names)> CreateAsync(ObjectWriter writer, JsonObject set, StatefulSetPlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var ns = Resources.Namespace(set);
        var created = await Task.WhenAll(plan.Create.Select(ordinal =>
            writer.CreateAsync(Resources.Pods, NewPod(set, ordinal, plan.UpdateRevision), ns, now, ct))).ConfigureAwait(false);
        var names = created.OfType<string>().ToArray();
        await Task.WhenAll(names.Select(name => events.RecordAsync(set, Resources.StatefulSets, "Normal", "SuccessfulCreate",
            $"create Pod {name} in StatefulSet {Resources.Name(set)} successful", Component, null, now, ct))).ConfigureAwait(false);
        return (Resources.Uid(set), names);
    }

    private async Task DeleteAsync(ObjectWriter writer, JsonObject set, JsonObject pod, StatefulSetDeletion why, DateTimeOffset now, CancellationToken ct)
    {
        var (setName, podName) = (Resources.Name(set), Resources.Name(pod));
        if (why is StatefulSetDeletion.Failed or StatefulSetDeletion.Terminated)
        {
            var (type, reason, what) = why == StatefulSetDeletion.Failed
                ? ("Warning", "RecreatingFailedPod", "failed")
                : ("Normal", "RecreatingTerminatedPod", "terminated");
            await events.RecordAsync(set, Resources.StatefulSets, type, reason, $"StatefulSet {Resources.Namespace(set)}/{setName} is recreating {what} Pod {podName}",
                Component, null, now, ct).ConfigureAwait(false);
        }

        var grace = (long?)pod["spec"]?["terminationGracePeriodSeconds"] ?? 30;
        await writer.DeleteAsync(Resources.Pods, pod, grace, ct).ConfigureAwait(false);
        await events.RecordAsync(set, Resources.StatefulSets, "Normal", "SuccessfulDelete", $"delete Pod {podName} in StatefulSet {setName} successful",
            Component, null, now, ct).ConfigureAwait(false);
    }
}
