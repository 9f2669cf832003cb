namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Taint-based eviction, as kube-controller-manager's taint eviction controller does it: a pod on a node with a
/// NoExecute taint it does not tolerate is deleted at once; one that tolerates it for tolerationSeconds is deleted that
/// long after the taint was added (the shortest of its matching tolerations); one that tolerates it without a limit stays.
/// </summary>
internal sealed class TaintEvictionController(EventRecorder events) : IController
{
    private readonly HashSet<string> _marked = new(StringComparer.Ordinal);

    /// <summary>When this controller first saw each NoExecute taint (node/key/effect), for taints written without timeAdded.</summary>
    private readonly Dictionary<string, DateTimeOffset> _seen = new(StringComparer.Ordinal);

    public bool TimeDriven => true;

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var tainted = cache.List(Resources.Nodes)
            .Select(n => (Name: Resources.Name(n), Taints: NoExecuteTaints(n)))
            .Where(n => n.Taints.Count > 0)
            .ToDictionary(n => n.Name, n => n.Taints.Select(t => Stamped(n.Name, t, now)).ToList(), StringComparer.Ordinal);
        var current = tainted.SelectMany(n => n.Value.Select(t => SeenKey(n.Key, t))).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _seen.Keys.Where(k => !current.Contains(k)).ToList())
        {
            _seen.Remove(gone);
        }

        if (tainted.Count == 0)
        {
            _marked.Clear();
            return;
        }

        var evictions = new List<Task>();
        foreach (var pod in cache.List(Resources.Pods).Where(p => !Resources.Terminating(p)))
        {
            if ((string?)pod["spec"]?["nodeName"] is { } node && tainted.TryGetValue(node, out var taints) && EvictionDue(pod, taints) is { } due && now >= due
                && _marked.Add(Resources.Uid(pod)))
            {
                evictions.Add(EvictAsync(writer, ClusterCache.Copy(pod), now, cancellationToken));
            }
        }

        await Task.WhenAll(evictions).ConfigureAwait(false);
    }

    /// <summary>The taint with its timeAdded, or the time this controller first saw it when the writer gave none.</summary>
    private JsonObject Stamped(string node, JsonObject taint, DateTimeOffset now)
    {
        if (taint["timeAdded"] is not null)
        {
            return taint;
        }

        var key = SeenKey(node, taint);
        if (!_seen.TryGetValue(key, out var first))
        {
            _seen[key] = first = now;
        }

        var copy = (JsonObject)taint.DeepClone();
        copy["timeAdded"] = first.UtcDateTime.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        return copy;
    }

    private static string SeenKey(string node, JsonObject taint) => $"{node}/{(string?)taint["key"]}/{(string?)taint["value"]}/{(string?)taint["effect"]}";

    private static List<JsonObject> NoExecuteTaints(JsonObject node) =>
        (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>().Where(t => (string?)t["effect"] == "NoExecute").ToList() ?? [];

    /// <summary>When the pod must go because of these taints; null when it tolerates them all for ever.</summary>
    internal static DateTimeOffset? EvictionDue(JsonObject pod, IReadOnlyList<JsonObject> taints)
    {
        var tolerations = (pod["spec"]?["tolerations"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        DateTimeOffset? due = null;
        foreach (var taint in taints)
        {
            var matching = tolerations.Where(t => Scheduler.Tolerates(t, taint)).ToList();
            if (matching.Count == 0)
            {
                return DateTimeOffset.MinValue;
            }

            if (matching.Any(t => t["tolerationSeconds"] is null))
            {
                continue;
            }

            var seconds = Math.Max(0, matching.Min(t => (long)t["tolerationSeconds"]!));
            var at = (Resources.Time(taint["timeAdded"]) ?? DateTimeOffset.MinValue.AddYears(1)) + TimeSpan.FromSeconds(seconds);
            due = due is null || at < due ? at : due;
        }

        return due;
    }

    private async Task EvictAsync(ObjectWriter writer, JsonObject pod, DateTimeOffset now, CancellationToken ct)
    {
        await events.RecordAsync(pod, Resources.Pods, "Normal", "TaintManagerEviction", $"Marking for deletion Pod {Resources.Namespace(pod)}/{Resources.Name(pod)}",
            "taint-eviction-controller", null, now, ct).ConfigureAwait(false);
        await writer.DeleteAsync(Resources.Pods, pod, (long?)pod["spec"]?["terminationGracePeriodSeconds"] ?? 30, ct).ConfigureAwait(false);
    }
}
