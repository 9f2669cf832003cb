using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Cluster;

/// <summary>Writes what a fresh kubeadm cluster holds: the system namespaces and registered, Ready nodes.</summary>
internal static class ClusterBootstrap
{
    private static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task SeedAsync(RegistryStore store, SimOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var namespaces = ResourceCatalog.Find(string.Empty, "v1", "namespaces")!;
        foreach (var name in SystemNamespaces)
        {
            var ns = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = name } },
                ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            };
            await CreateAsync(store, namespaces, ns, null, now, cancellationToken).ConfigureAwait(false);
        }

        var nodes = ResourceCatalog.Find(string.Empty, "v1", "nodes")!;
        var index = 0;
        foreach (var (name, controlPlane) in NodeNames(options))
        {
            index++;
            await CreateAsync(store, nodes, Node(name, controlPlane, index, options.Version, now), null, now, cancellationToken).ConfigureAwait(false);
        }
    }

    public static IEnumerable<(string Name, bool ControlPlane)> NodeNames(SimOptions options) =>
        Enumerable.Range(1, options.ControlPlanes).Select(i => ($"cp-{i}", true))
            .Concat(Enumerable.Range(1, options.Workers).Select(i => ($"worker-{i}", false)));

    private static JsonObject Node(string name, bool controlPlane, int index, SimVersion version, DateTimeOffset now)
    {
        var labels = new JsonObject
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
        };
        var spec = new JsonObject { ["podCIDR"] = $"10.244.{index}.0/24" };
        if (controlPlane)
        {
            labels["node-role.kubernetes.io/control-plane"] = string.Empty;
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = string.Empty;
            spec["taints"] = new JsonArray(new JsonObject { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" });
        }

        var stamp = ObjectMeta.Timestamp(now);
        JsonObject Condition(string type, string status, string reason, string message) => new()
        {
            ["type"] = type, ["status"] = status, ["lastHeartbeatTime"] = stamp, ["lastTransitionTime"] = stamp,
            ["reason"] = reason, ["message"] = message,
        };
        var capacity = new JsonObject { ["cpu"] = "4", ["memory"] = "16Gi", ["pods"] = "110", ["ephemeral-storage"] = "100Gi" };
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
                    new JsonObject { ["type"] = "InternalIP", ["address"] = string.Create(CultureInfo.InvariantCulture, $"10.0.0.{index + 10}") },
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
        await store.CreateAsync(resource.KeyFor(ns, name), Encoding.UTF8.GetBytes(obj.ToJsonString()), ct).ConfigureAwait(false);
    }
}
