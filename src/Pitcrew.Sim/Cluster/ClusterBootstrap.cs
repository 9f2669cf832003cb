using Pitcrew.Sim.Controllers;
using Pitcrew.Sim.Scenarios;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Cluster;

/// <summary>Writes what a fresh kubeadm cluster holds: the system namespaces and registered, Ready nodes.</summary>
internal static class ClusterBootstrap
{
    private static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <param name="addressBlock">The 127.B.0.0/16 block node addresses come from (<see cref="Kubelets.AddressBlock"/>).</param>
    public static async Task SeedAsync(RegistryStore store, SimOptions options, int addressBlock, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var scenario = options.EffectiveScenario;
        foreach (var name in SystemNamespaces.Concat(scenario.Workloads.Select(w => w.Namespace)).Distinct(StringComparer.Ordinal))
        {
            await CreateAsync(store, Namespaces, Namespace(name), null, now, cancellationToken).ConfigureAwait(false);
        }

        var faults = scenario.Faults.GroupBy(f => f.Node, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Aggregate(string.Empty, (set, f) => NodeFaults.Apply(NodeFaults.Of(Annotated(set)), f.Fault)), StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(scenario.NodeNames().Select((n, i) => (n.Name, n.Group, Index: i + 1)), parallel, async (entry, ct) =>
        {
            var (name, group, index) = entry;
            var node = Node(name, group, Kubelets.AddressBlock.Address(addressBlock, index), index, SimVersion.Parse(group.KubeletVersion ?? scenario.Version), now);
            var annotations = new JsonObject();
            if (faults.TryGetValue(name, out var annotation) && annotation.Length > 0)
            {
                annotations[NodeFaults.Annotation] = annotation;
            }

            if (group.KubeletCertExpiresIn is { } expiresIn)
            {
                annotations[Kubelets.KubeletListeners.CertNotAfterAnnotation] = ObjectMeta.Timestamp(now + expiresIn);
            }

            if (annotations.Count > 0)
            {
                ObjectMeta.Metadata(node)["annotations"] = annotations;
            }

            await CreateAsync(store, Nodes, node, null, now, ct).ConfigureAwait(false);
            if (group.ControlPlane)
            {
                var stored = await store.GetAsync(Nodes.KeyFor(null, name), ct).ConfigureAwait(false);
                var current = JsonNode.Parse(stored!.Value)!.AsObject();
                foreach (var pod in ControlPlaneLayout.StaticPods(current, SimVersion.Parse(group.KubeletVersion ?? scenario.Version), ControlPlaneLayout.StaticComponents, store.EtcdUrlsOf(name)))
                {
                    await CreateAsync(store, Pods, pod, "kube-system", now, ct).ConfigureAwait(false);
                }
            }
        }).ConfigureAwait(false);

        var version = SimVersion.Parse(scenario.Version);
        foreach (var (resource, addon) in ControlPlaneLayout.Addons(version))
        {
            await CreateAsync(store, ResourceCatalog.Find("apps", "v1", resource)!, addon, "kube-system", now, cancellationToken).ConfigureAwait(false);
        }

        var controlPlane = scenario.NodeNames().First(n => n.Group.ControlPlane).Name;
        await CreateAsync(store, ConfigMaps, ControlPlaneLayout.KubeadmConfig(version, $"{controlPlane}:6443"), "kube-system", now, cancellationToken)
            .ConfigureAwait(false);

        await Parallel.ForEachAsync(scenario.Workloads, parallel, async (workload, ct) =>
        {
            foreach (var (resource, obj) in WorkloadObjects.For(workload))
            {
                await CreateAsync(store, resource, obj, workload.Namespace, now, ct).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    private static readonly ApiResource Namespaces = ResourceCatalog.Find(string.Empty, "v1", "namespaces")!;
    private static readonly ApiResource Nodes = ResourceCatalog.Find(string.Empty, "v1", "nodes")!;
    private static readonly ApiResource Pods = ResourceCatalog.Find(string.Empty, "v1", "pods")!;
    private static readonly ApiResource ConfigMaps = ResourceCatalog.Find(string.Empty, "v1", "configmaps")!;

    /// <summary>The simulated pod network of the node with this index (addresses are data only; nothing is contacted).</summary>
    public static string PodCidr(int index) => index < 256 ? $"10.244.{index}.0/24" : $"10.{index >> 8}.{index & 255}.0/24";

    private static JsonObject Annotated(string faults) =>
        new() { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [NodeFaults.Annotation] = faults } } };

    private static JsonObject Namespace(string name) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name } },
        ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
        ["status"] = new JsonObject { ["phase"] = "Active" },
    };

    private static JsonObject Node(string name, NodeGroup group, string address, int index, SimVersion version, DateTimeOffset now)
    {
        var controlPlane = group.ControlPlane;
        var labels = new JsonObject
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
        };
        foreach (var (key, value) in group.Labels)
        {
            labels[key] = value;
        }

        var spec = new JsonObject { ["podCIDR"] = PodCidr(index) };
        var taints = new JsonArray();
        if (controlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = string.Empty;
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = string.Empty;
            taints.Add(new JsonObject { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" });
        }

        foreach (var taint in group.Taints)
        {
            taints.Add(new JsonObject { ["key"] = taint.Key, ["value"] = taint.Value, ["effect"] = taint.Effect });
        }

        if (taints.Count > 0)
        {
            spec["taints"] = taints;
        }

        var stamp = ObjectMeta.Timestamp(now);
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type, ["status"] = status, ["lastHeartbeatTime"] = stamp, ["lastTransitionTime"] = stamp,
            ["reason"] = reason, ["message"] = message,
        };
        var capacity = new JsonObject { ["cpu"] = "4", ["memory"] = "16Gi", ["pods"] = "110", ["ephemeral-storage"] = "100Gi" };
        foreach (var (resource, quantity) in group.Capacity)
        {
            capacity[resource] = quantity;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = spec,
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(
                    Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                    Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                    Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = address },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["capacity"] = capacity,
                ["allocatable"] = capacity.DeepClone(),
                ["daemonEndpoints"] = new JsonObject { ["kubeletEndpoint"] = new JsonObject { ["Port"] = 10250 } },
                ["nodeInfo"] = new JsonObject
                {
                    ["architecture"] = "amd64",
                    ["operatingSystem"] = "linux",
                    ["osImage"] = "Debian GNU/Linux 12 (bookworm)",
                    ["kernelVersion"] = "6.1.0-pitcrew-sim",
                    ["containerRuntimeVersion"] = "containerd://1.7.22",
                    ["kubeletVersion"] = version.GitVersion,
                    ["kubeProxyVersion"] = version.GitVersion,
                    ["machineID"] = Guid.NewGuid().ToString("N"),
                    ["systemUUID"] = Guid.NewGuid().ToString(),
                    ["bootID"] = Guid.NewGuid().ToString(),
                },
            },
        };
    }

    /// <summary>Creates the object unless it exists already (a restarted sim keeps its cluster).</summary>
    private static async Task CreateAsync(RegistryStore store, ApiResource resource, JsonObject obj, string? ns, DateTimeOffset now, CancellationToken ct)
    {
        var name = ObjectMeta.PrepareForCreate(obj, resource, ns, now);
        await store.CreateAsync(resource.KeyFor(ns, name), obj, ct).ConfigureAwait(false);
    }
}
