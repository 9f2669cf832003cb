using System.Text.Json;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>
/// metrics.k8s.io/v1beta1 for kubectl top: synthetic usage per running pod (stable for its uid) and per node (its pods
/// plus the system's share), computed from the stored objects on each request.
/// </summary>
internal sealed class MetricsApi(RegistryStore store, TimeProvider time, ListCache? lists = null)
{
    private const long NodeBaseMilliCpu = 150;
    private const long NodeBaseMemoryMi = 600;
    private static readonly ApiResource Pods = ResourceCatalog.Find(string.Empty, "v1", "pods")!;
    private static readonly ApiResource Nodes = ResourceCatalog.Find(string.Empty, "v1", "nodes")!;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], Parsed> _parsed = [];

    public async Task<ApiResult> HandleAsync(ApiPath path, CancellationToken ct)
    {
        var stamp = ObjectMeta.Timestamp(time.GetUtcNow());
        var running = await RunningPodsAsync(path.Resource.Name == "pods" ? path.Namespace : null, ct).ConfigureAwait(false);
        List<JsonObject> items;
        if (path.Resource.Name == "nodes")
        {
            // Grouped once: matching every node against every pod took minutes at 5,000 nodes / 150,000 pods.
            var byNode = running.ToLookup(p => p.NodeName, StringComparer.Ordinal);
            var nodes = await ListAsync(Nodes, ct).ConfigureAwait(false);
            items = [.. nodes.Select(n => NodeMetrics(n, byNode[ObjectMeta.Name(n) ?? string.Empty], stamp))];
        }
        else
        {
            items = [.. running.Select(p => PodMetrics(p, stamp))];
        }

        if (path.Name is { } name)
        {
            return ApiResult.Ok(items.FirstOrDefault(i => ObjectMeta.Name(i) == name) ?? throw ApiStatus.NotFound(path.Resource, name));
        }

        return ApiResult.Ok(new JsonObject
        {
            ["kind"] = path.Resource.Kind + "List",
            ["apiVersion"] = "metrics.k8s.io/v1beta1",
            ["metadata"] = new JsonObject(),
            ["items"] = new JsonArray([.. items]),
        });
    }

    /// <summary>A running pod as usage needs it: read with a JsonDocument, not a full object tree (150,000 pods at 5,000 nodes).</summary>
    private sealed record RunningPod(string Name, string? Namespace, string Uid, string NodeName, IReadOnlyList<string> Containers);

    private async Task<List<RunningPod>> RunningPodsAsync(string? ns, CancellationToken ct)
    {
        var page = await ReadAsync(ns is null ? Pods.KeyPrefix : $"{Pods.KeyPrefix}{ns}/", ct).ConfigureAwait(false);
        var running = new List<RunningPod>();
        foreach (var item in page.Items)
        {
            // The list cache hands out the same stored bytes until the object changes: each is parsed once, not per request
            // (150,000 pods were 3 s of the sim's CPU for every node metrics request).
            if (!_parsed.TryGetValue(item.Value, out var seen))
            {
                seen = new Parsed(Parse(item.Value));
                _parsed.AddOrUpdate(item.Value, seen);
            }

            if (seen.Pod is { } pod)
            {
                running.Add(pod);
            }
        }

        return running;
    }

    private sealed record Parsed(RunningPod? Pod);

    /// <summary>The pod as usage needs it, or null when it is not running on a node.</summary>
    private static RunningPod? Parse(byte[] stored)
    {
        using var pod = JsonDocument.Parse(stored);
        var root = pod.RootElement;
        if (Text(root, "status", "phase") != "Running" || Text(root, "spec", "nodeName") is not { } node)
        {
            return null;
        }

        var containers = root.TryGetProperty("spec", out var spec) && spec.TryGetProperty("containers", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(c => c.TryGetProperty("name", out var n) ? n.GetString() ?? string.Empty : string.Empty).ToList()
            : [];
        return new RunningPod(Text(root, "metadata", "name") ?? string.Empty, Text(root, "metadata", "namespace"), Text(root, "metadata", "uid") ?? string.Empty, node, containers);
    }

    /// <summary>Everything under the prefix, from the list cache when it can answer (150,000 pods are 300 MB to read from etcd).</summary>
    private async Task<StoredPage> ReadAsync(string prefix, CancellationToken ct) =>
        (lists is null ? null : await lists.TryListAsync(prefix, null, 0, 0, ct).ConfigureAwait(false))
        ?? await store.ListAsync(prefix, null, 0, 0, ct).ConfigureAwait(false);

    private static string? Text(JsonElement root, string parent, string field) =>
        root.TryGetProperty(parent, out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;

    private async Task<List<JsonObject>> ListAsync(ApiResource resource, CancellationToken ct)
    {
        var page = await ReadAsync(resource.KeyPrefix, ct).ConfigureAwait(false);
        return [.. page.Items.Select(i => JsonNode.Parse(i.Value)!.AsObject())];
    }

    private static JsonObject PodMetrics(RunningPod pod, string stamp)
    {
        var containers = new JsonArray();
        foreach (var container in pod.Containers)
        {
            var (cpu, memory) = Usage(pod.Uid + container);
            containers.Add(new JsonObject { ["name"] = container, ["usage"] = Quantities(cpu, memory) });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = pod.Name, ["namespace"] = pod.Namespace, ["creationTimestamp"] = stamp },
            ["timestamp"] = stamp,
            ["window"] = "10s",
            ["containers"] = containers,
        };
    }

    private static JsonObject NodeMetrics(JsonObject node, IEnumerable<RunningPod> pods, string stamp)
    {
        long cpu = NodeBaseMilliCpu, memory = NodeBaseMemoryMi;
        foreach (var pod in pods)
        {
            foreach (var container in pod.Containers)
            {
                var (c, m) = Usage(pod.Uid + container);
                cpu += c;
                memory += m;
            }
        }

        // Pressure faults show in the figures, as on a real node: memory near allocatable, a process storm burning cpu.
        var faults = Controllers.NodeFaults.Of(node);
        if (faults.Contains("memory-pressure"))
        {
            memory = Math.Max(memory, Allocatable(node, "memory") * 96 / 100 / (1024 * 1024));
        }

        if (faults.Contains("pid-pressure"))
        {
            cpu = Math.Max(cpu, Allocatable(node, "cpu") * 95 / 100);
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = ObjectMeta.Name(node), ["creationTimestamp"] = stamp },
            ["timestamp"] = stamp,
            ["window"] = "10s",
            ["usage"] = Quantities(cpu, memory),
        };
    }

    /// <summary>Allocatable memory in bytes or cpu in millicores.</summary>
    private static long Allocatable(JsonObject node, string resource) =>
        resource == "cpu" ? Quantity.Milli((string?)node["status"]?["allocatable"]?[resource]) : Quantity.Whole((string?)node["status"]?["allocatable"]?[resource]);

    /// <summary>A container's usage: 5–54 millicores and 20–219 MiB, fixed for its identity.</summary>
    private static (long MilliCpu, long MemoryMi) Usage(string identity)
    {
        var hash = 2166136261u;
        foreach (var c in identity)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (5 + (hash % 50), 20 + ((hash >> 8) % 200));
    }

    private static JsonObject Quantities(long milliCpu, long memoryMi) => new()
    {
        ["cpu"] = milliCpu.ToString(CultureInfo.InvariantCulture) + "m",
        ["memory"] = memoryMi.ToString(CultureInfo.InvariantCulture) + "Mi",
    };
}
