namespace Pitcrew.Sim.Api;

/// <summary>Reads and fills the metadata of JSON objects the way the API server does on create and read.</summary>
internal static class ObjectMeta
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int GeneratedSuffixLength = 5;

    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string? Name(JsonObject obj) => Metadata(obj)["name"]?.GetValue<string>();

    /// <summary>Prepares a new object: name (or generateName), namespace, uid, creation time, kind and apiVersion.</summary>
    public static string PrepareForCreate(JsonObject obj, ApiResource resource, string? ns, DateTimeOffset now)
    {
        var metadata = Metadata(obj);
        var name = metadata["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name))
        {
            var prefix = metadata["generateName"]?.GetValue<string>();
            if (string.IsNullOrEmpty(prefix))
            {
                throw new ApiStatus(422, "Invalid", $"{resource.Kind}.{resource.GroupVersion} \"\" is invalid: metadata.name: Required value: name or generateName is required");
            }

            name = prefix + string.Concat(Enumerable.Range(0, GeneratedSuffixLength).Select(_ => GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)]));
            metadata["name"] = name;
        }

        if (resource.Namespaced)
        {
            var given = metadata["namespace"]?.GetValue<string>();
            if (given is not null && ns is not null && given != ns)
            {
                throw ApiStatus.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns ?? given ?? "default";
        }

        metadata["uid"] = Guid.NewGuid().ToString();
        if (resource.TracksGeneration)
        {
            metadata["generation"] = 1;
        }

        metadata["creationTimestamp"] = Timestamp(now);
        metadata.Remove("resourceVersion");
        if (resource is { Group: "", Name: "pods" })
        {
            PodDefaults.Apply(obj);
        }
        else if (resource is { Group: "batch", Name: "jobs" })
        {
            JobDefaults.Apply(obj);
        }
        else if (resource is { Group: "apps", Name: "daemonsets" } && obj["spec"] is JsonObject daemonSet)
        {
            // kube-apiserver's defaults; kubectl rollout status refuses a DaemonSet without a RollingUpdate strategy.
            daemonSet["updateStrategy"] ??= new JsonObject
            {
                ["type"] = "RollingUpdate",
                ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 1, ["maxSurge"] = 0 },
            };
            daemonSet["revisionHistoryLimit"] ??= 10;
        }

        obj["kind"] = resource.Kind;
        obj["apiVersion"] = resource.GroupVersion;
        return name;
    }

    /// <summary>Sets metadata.resourceVersion from the etcd revision.</summary>
    public static void SetResourceVersion(JsonObject obj, long revision) =>
        Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 3339 with seconds, as Kubernetes writes metav1.Time.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
