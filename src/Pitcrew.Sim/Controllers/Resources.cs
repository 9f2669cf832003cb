namespace Pitcrew.Sim.Controllers;

/// <summary>The resources and object facts the controllers share.</summary>
internal static class Resources
{
    public static readonly ApiResource Pods = ResourceCatalog.Find(string.Empty, "v1", "pods")!;
    public static readonly ApiResource Nodes = ResourceCatalog.Find(string.Empty, "v1", "nodes")!;
    public static readonly ApiResource Budgets = ResourceCatalog.Find("policy", "v1", "poddisruptionbudgets")!;
    public static readonly ApiResource ReplicaSets = ResourceCatalog.Find("apps", "v1", "replicasets")!;
    public static readonly ApiResource Deployments = ResourceCatalog.Find("apps", "v1", "deployments")!;
    public static readonly ApiResource DaemonSets = ResourceCatalog.Find("apps", "v1", "daemonsets")!;
    public static readonly ApiResource StatefulSets = ResourceCatalog.Find("apps", "v1", "statefulsets")!;
    public static readonly ApiResource Jobs = ResourceCatalog.Find("batch", "v1", "jobs")!;

    public static string Uid(JsonObject obj) => (string?)ObjectMeta.Metadata(obj)["uid"] ?? string.Empty;

    /// <summary>The uid of the object's controlling owner, if any.</summary>
    public static string? ControllerUid(JsonObject obj) =>
        (ObjectMeta.Metadata(obj)["ownerReferences"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(r => (bool?)r["controller"] == true)?["uid"]?.GetValue<string>();

    /// <summary>An owner reference marking the owner as the controller of a dependent.</summary>
    public static JsonObject OwnerReference(JsonObject owner, ApiResource resource) => new()
    {
        ["apiVersion"] = resource.GroupVersion,
        ["kind"] = resource.Kind,
        ["name"] = Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    /// <summary>A pod from a workload's template: its labels, spec, a generated name and the controller reference.</summary>
    public static JsonObject PodFromTemplate(JsonObject template, JsonObject owner, ApiResource ownerResource, JsonObject? extraLabels = null)
    {
        var labels = (template["metadata"]?["labels"] as JsonObject)?.DeepClone() as JsonObject ?? [];
        foreach (var (key, value) in extraLabels ?? [])
        {
            labels[key] = value?.DeepClone();
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["generateName"] = Name(owner) + "-",
                ["labels"] = labels,
                ["annotations"] = template["metadata"]?["annotations"]?.DeepClone(),
                ["ownerReferences"] = new JsonArray(OwnerReference(owner, ownerResource)),
            },
            ["spec"] = template["spec"]?.DeepClone() ?? new JsonObject(),
        };
    }

    public static int Replicas(JsonObject obj) => (int?)obj["spec"]?["replicas"] ?? 1;

    public static string Name(JsonObject obj) => (string)ObjectMeta.Metadata(obj)["name"]!;

    public static string? Namespace(JsonObject obj) => (string?)ObjectMeta.Metadata(obj)["namespace"];

    public static bool Terminating(JsonObject obj) => ObjectMeta.Metadata(obj)["deletionTimestamp"] is not null;

    /// <summary>A pod that counts toward its controller's replicas: not being deleted and not finished.</summary>
    public static bool Live(JsonObject pod) => !Terminating(pod) && (string?)pod["status"]?["phase"] is not ("Succeeded" or "Failed");

    /// <summary>Running, with the Ready condition: what OrderedReady waits for.</summary>
    public static bool RunningAndReady(JsonObject pod) =>
        !Terminating(pod) && (string?)pod["status"]?["phase"] == "Running" && HasCondition(pod, "Ready");

    public static DateTimeOffset? Time(JsonNode? value) =>
        (string?)value is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

    public static bool HasCondition(JsonObject obj, string type, string status = "True") =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => (string?)c["type"] == type && (string?)c["status"] == status) ?? false;
}
