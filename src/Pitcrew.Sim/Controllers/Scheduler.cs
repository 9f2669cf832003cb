namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Places unscheduled pods as kube-scheduler's filters would allow: a node that is Ready and schedulable, whose taints
/// the pod tolerates, whose labels match its nodeSelector and required node affinity, with room for its requests (cpu,
/// memory) and another pod under allocatable; the least loaded node first. Unplaceable pods get PodScheduled=False
/// and a FailedScheduling event in the scheduler's format ("0/4 nodes are available: 1 ..., 3 Insufficient cpu.").
/// </summary>
internal sealed class Scheduler(EventRecorder events) : IController
{
    private static readonly string[] BlockingEffects = ["NoSchedule", "NoExecute"];

    public async Task ReconcileAsync(ClusterCache cache, ObjectWriter writer, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pods = cache.List(Resources.Pods);
        var pending = pods.Where(p => p["spec"]?["nodeName"] is null && Resources.Live(p)).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var nodes = cache.List(Resources.Nodes).Select(n => new NodeInfo(n)).ToDictionary(n => n.Name, StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => Resources.Live(p) && p["spec"]?["nodeName"] is not null))
        {
            if (nodes.TryGetValue((string)pod["spec"]!["nodeName"]!, out var node))
            {
                node.Add(Requests.Of(pod));
            }
        }

        var order = new SortedSet<(int Pods, string Name)>(nodes.Values.Select(n => (n.Pods, n.Name)));
        var writes = new List<Task>();
        foreach (var pod in pending.OrderBy(p => (string?)ObjectMeta.Metadata(p)["creationTimestamp"], StringComparer.Ordinal))
        {
            var requests = Requests.Of(pod);
            var (chosen, reasons) = Choose(pod, requests, nodes, order);
            var copy = ClusterCache.Copy(pod);
            if (chosen is not null)
            {
                order.Remove((chosen.Pods, chosen.Name));
                chosen.Add(requests);
                order.Add((chosen.Pods, chosen.Name));
                copy["spec"]!["nodeName"] = chosen.Name;
                SetScheduled(copy, "True", null, null, now);
                writes.Add(BindAsync(writer, copy, chosen.Name, now, cancellationToken));
            }
            else if (!Resources.HasCondition(pod, "PodScheduled", "False"))
            {
                var message = $"0/{nodes.Count} nodes are available: {reasons}.";
                SetScheduled(copy, "False", "Unschedulable", message, now);
                writes.Add(ReportAsync(writer, copy, message, now, cancellationToken));
            }
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    private async Task BindAsync(ObjectWriter writer, JsonObject pod, string node, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.UpdateAsync(Resources.Pods, pod, ct).ConfigureAwait(false))
        {
            await events.RecordAsync(pod, Resources.Pods, "Normal", "Scheduled", $"Successfully assigned {Resources.Namespace(pod)}/{Resources.Name(pod)} to {node}",
                "default-scheduler", null, now, ct).ConfigureAwait(false);
        }
    }

    private async Task ReportAsync(ObjectWriter writer, JsonObject pod, string message, DateTimeOffset now, CancellationToken ct)
    {
        if (await writer.UpdateAsync(Resources.Pods, pod, ct).ConfigureAwait(false))
        {
            await events.RecordAsync(pod, Resources.Pods, "Warning", "FailedScheduling", message, "default-scheduler", null, now, ct).ConfigureAwait(false);
        }
    }

    private static (NodeInfo? Node, string Reasons) Choose(JsonObject pod, Requests requests, Dictionary<string, NodeInfo> nodes, SortedSet<(int Pods, string Name)> order)
    {
        var why = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, name) in order)
        {
            var node = nodes[name];
            var reasons = Unfit(pod, requests, node);
            if (reasons.Count == 0)
            {
                return (node, string.Empty);
            }

            foreach (var reason in reasons)
            {
                why[reason] = why.GetValueOrDefault(reason) + 1;
            }
        }

        // kube-scheduler sorts the "<count> <reason>" strings themselves.
        return (null, string.Join(", ", why.Select(p => $"{p.Value} {p.Key}").Order(StringComparer.Ordinal)));
    }

    /// <summary>Why the pod cannot go on the node, in the scheduler's words; empty when it can.</summary>
    private static List<string> Unfit(JsonObject pod, Requests requests, NodeInfo node)
    {
        if (node.Unschedulable)
        {
            return ["node(s) were unschedulable"];
        }

        if (!node.Ready)
        {
            return ["node(s) were not ready"];
        }

        var tolerations = (pod["spec"]?["tolerations"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var untolerated = node.Taints.FirstOrDefault(t => BlockingEffects.Contains((string?)t["effect"]) && !tolerations.Any(tol => Tolerates(tol, t)));
        if (untolerated is not null)
        {
            return [$"node(s) had untolerated taint {{{(string?)untolerated["key"]}: {(string?)untolerated["value"]}}}"];
        }

        if (!NodeAffinity.Matches(pod, node.Name, node.Labels))
        {
            return ["node(s) didn't match Pod's node affinity/selector"];
        }

        var reasons = new List<string>();
        if (node.Pods + 1 > node.MaxPods)
        {
            reasons.Add("Too many pods");
        }

        if (requests.MilliCpu > 0 && node.MilliCpu + requests.MilliCpu > node.AllocatableMilliCpu)
        {
            reasons.Add("Insufficient cpu");
        }

        if (requests.Memory > 0 && node.Memory + requests.Memory > node.AllocatableMemory)
        {
            reasons.Add("Insufficient memory");
        }

        return reasons;
    }

    /// <summary>A toleration matches a taint on key (or any key with Exists and no key), value (Equal) and effect.</summary>
    internal static bool Tolerates(JsonObject toleration, JsonObject taint)
    {
        var effect = (string?)toleration["effect"];
        if (!string.IsNullOrEmpty(effect) && effect != (string?)taint["effect"])
        {
            return false;
        }

        var key = (string?)toleration["key"];
        if ((string?)toleration["operator"] == "Exists")
        {
            return string.IsNullOrEmpty(key) || key == (string?)taint["key"];
        }

        return key == (string?)taint["key"] && ((string?)toleration["value"] ?? string.Empty) == ((string?)taint["value"] ?? string.Empty);
    }

    private static void SetScheduled(JsonObject pod, string status, string? reason, string? message, DateTimeOffset now)
    {
        var podStatus = pod["status"] as JsonObject ?? new JsonObject { ["phase"] = "Pending" };
        var conditions = new JsonArray([.. (podStatus["conditions"] as JsonArray)?.OfType<JsonObject>()
            .Where(c => (string?)c["type"] != "PodScheduled").Select(c => (JsonNode?)c.DeepClone()) ?? []]);
        var condition = new JsonObject { ["type"] = "PodScheduled", ["status"] = status, ["lastTransitionTime"] = ObjectMeta.Timestamp(now) };
        if (reason is not null)
        {
            condition["reason"] = reason;
            condition["message"] = message;
        }

        conditions.Add(condition);
        podStatus["conditions"] = conditions;
        podStatus["phase"] ??= "Pending";
        pod["status"] = podStatus;
    }

    /// <summary>What the scheduler needs of a node, read once per round, and what is already placed on it.</summary>
    private sealed class NodeInfo(JsonObject node)
    {
        public string Name { get; } = Resources.Name(node);

        public bool Unschedulable { get; } = (bool?)node["spec"]?["unschedulable"] == true;

        public bool Ready { get; } = Resources.HasCondition(node, "Ready");

        public List<JsonObject> Taints { get; } = (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];

        public JsonObject? Labels { get; } = ObjectMeta.Metadata(node)["labels"] as JsonObject;

        public int MaxPods { get; } = int.TryParse((string?)node["status"]?["allocatable"]?["pods"], CultureInfo.InvariantCulture, out var pods) ? pods : 110;

        public long AllocatableMilliCpu { get; } = Quantity.Parse((string?)node["status"]?["allocatable"]?["cpu"]) is { } cpu ? (long)(cpu * 1000) : long.MaxValue;

        public long AllocatableMemory { get; } = Quantity.Parse((string?)node["status"]?["allocatable"]?["memory"]) is { } memory ? (long)memory : long.MaxValue;

        public int Pods { get; private set; }

        public long MilliCpu { get; private set; }

        public long Memory { get; private set; }

        public void Add(Requests requests)
        {
            Pods++;
            MilliCpu += requests.MilliCpu;
            Memory += requests.Memory;
        }
    }
}

/// <summary>A pod's resource requests as the scheduler counts them: the sum over its containers (cpu in millicores, memory in bytes).</summary>
internal readonly record struct Requests(long MilliCpu, long Memory)
{
    public static Requests Of(JsonObject pod)
    {
        long cpu = 0, memory = 0;
        foreach (var container in (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var requests = container["resources"]?["requests"] ?? container["resources"]?["limits"];
            cpu += Quantity.Milli(requests?["cpu"]?.ToString());
            memory += Quantity.Whole(requests?["memory"]?.ToString());
        }

        return new Requests(cpu, memory);
    }
}
