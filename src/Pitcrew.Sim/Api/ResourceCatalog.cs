namespace Pitcrew.Sim.Api;

/// <summary>Every resource the simulated API server serves (the maintenance surface of kube-apiserver).</summary>
internal static class ResourceCatalog
{
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];

    public static readonly IReadOnlyList<ApiResource> All =
    [
        Core("namespaces", "Namespace", false, ["ns"], Status("Namespace")),
        Core("nodes", "Node", false, ["no"], Status("Node")) with { StoragePrefix = "minions" },
        Core("pods", "Pod", true, ["po"],
            Status("Pod"),
            new ApiSubresource("eviction", "policy", "v1", "Eviction", ["create"]),
            new ApiSubresource("binding", string.Empty, "v1", "Binding", ["create"])) with { Categorized = true },
        Core("events", "Event", true, ["ev"]),
        Core("configmaps", "ConfigMap", true, ["cm"]),
        Core("secrets", "Secret", true, []),
        Core("services", "Service", true, ["svc"], Status("Service")) with { StoragePrefix = "services/specs", Categorized = true },
        Core("serviceaccounts", "ServiceAccount", true, ["sa"]),
        Apps("deployments", "Deployment", ["deploy"]),
        Apps("replicasets", "ReplicaSet", ["rs"]),
        Apps("daemonsets", "DaemonSet", ["ds"]),
        Apps("statefulsets", "StatefulSet", ["sts"]),
        Named("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", ["pdb"], Status("PodDisruptionBudget", "policy", "v1")),
        Named("coordination.k8s.io", "v1", "leases", "Lease", []),
        Named("events.k8s.io", "v1", "events", "Event", ["ev"]),
        Named("batch", "v1", "jobs", "Job", [], Status("Job", "batch", "v1")),
        new("metrics.k8s.io", "v1beta1", "nodes", "NodeMetrics", false, [], [], Verbs: ["get", "list"], Computed: true),
        new("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true, [], [], Verbs: ["get", "list"], Computed: true),
    ];

    /// <summary>API groups in the order discovery lists them; "" is the core group.</summary>
    public static IEnumerable<string> Groups => All.Select(r => r.Group).Distinct();

    public static ApiResource? Find(string group, string version, string name) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Name == name);

    private static ApiResource Core(string name, string kind, bool namespaced, string[] shortNames, params ApiSubresource[] subresources) =>
        new(string.Empty, "v1", name, kind, namespaced, shortNames, subresources);

    /// <summary>An apps/v1 workload with status, and scale unless it is a DaemonSet (one pod per node: nothing to scale).</summary>
    private static ApiResource Apps(string name, string kind, string[] shortNames) =>
        new("apps", "v1", name, kind, true, shortNames,
            kind == "DaemonSet"
                ? [Status(kind, "apps", "v1")]
                : [Status(kind, "apps", "v1"), new ApiSubresource("scale", "autoscaling", "v1", "Scale", StatusVerbs)],
            Categorized: true);

    private static ApiResource Named(string group, string version, string name, string kind, string[] shortNames, params ApiSubresource[] subresources) =>
        new(group, version, name, kind, true, shortNames, subresources);

    private static ApiSubresource Status(string kind, string group = "", string version = "v1") =>
        new("status", group, version, kind, StatusVerbs);
}
