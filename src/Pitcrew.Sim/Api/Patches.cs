namespace Pitcrew.Sim.Api;

/// <summary>The three patch formats the API accepts: JSON merge (RFC 7386), strategic merge, JSON patch (RFC 6902).</summary>
internal static class Patches
{
    public const string MergeType = "application/merge-patch+json";
    public const string StrategicType = "application/strategic-merge-patch+json";
    public const string JsonPatchType = "application/json-patch+json";

    /// <summary>List fields that strategic merge merges by a key instead of replacing (Kubernetes' patchMergeKey tags).</summary>
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["volumeMounts"] = "mountPath",
        ["ports"] = "containerPort",
        ["conditions"] = "type",
        ["ownerReferences"] = "uid",
        ["imagePullSecrets"] = "name",
        ["addresses"] = "type",
        ["containerStatuses"] = "name",
    };

    /// <summary>Lists of scalars that strategic merge treats as sets.</summary>
    private static readonly HashSet<string> MergeSets = new(StringComparer.Ordinal) { "finalizers" };

    public static JsonObject Apply(string contentType, JsonObject target, JsonNode patch) => contentType switch
    {
        MergeType => AsObject(Merge(target, patch, strategic: false)),
        StrategicType => AsObject(Merge(target, patch, strategic: true)),
        JsonPatchType => JsonPatch.Apply(target, patch as JsonArray ?? throw ApiStatus.BadRequest("a JSON patch must be an array of operations")),
        _ => throw new ApiStatus(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: {JsonPatchType}, {MergeType}, {StrategicType}"),
    };

    private static JsonObject AsObject(JsonNode? node) => node as JsonObject ?? throw ApiStatus.BadRequest("the patch must leave an object");

    /// <summary>RFC 7386 merge; with strategic, keyed lists merge by key and $patch directives are honoured.</summary>
    internal static JsonNode? Merge(JsonNode? target, JsonNode? patch, bool strategic, string? field = null)
    {
        if (patch is not JsonObject patchObject)
        {
            if (strategic && field is not null && patch is JsonArray list && target is JsonArray current)
            {
                return MergeList(field, current, list);
            }

            return patch?.DeepClone();
        }

        if (strategic && (string?)patchObject["$patch"] == "replace")
        {
            var replaced = (JsonObject)patchObject.DeepClone();
            replaced.Remove("$patch");
            return replaced;
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (key, value) in patchObject)
        {
            if (strategic && key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Merge(result[key], value, strategic, key);
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray current, JsonArray patch)
    {
        if (MergeSets.Contains(field))
        {
            var set = current.Select(n => n?.ToJsonString()).ToHashSet(StringComparer.Ordinal);
            var merged = (JsonArray)current.DeepClone();
            foreach (var item in patch.Where(item => set.Add(item?.ToJsonString())))
            {
                merged.Add(item?.DeepClone());
            }

            return merged;
        }

        if (!MergeKeys.TryGetValue(field, out var mergeKey))
        {
            return (JsonArray)patch.DeepClone();
        }

        var result = (JsonArray)current.DeepClone();
        foreach (var item in patch.OfType<JsonObject>())
        {
            var key = item[mergeKey]?.ToJsonString();
            var existing = result.OfType<JsonObject>().FirstOrDefault(e => e[mergeKey]?.ToJsonString() == key);
            if ((string?)item["$patch"] == "delete")
            {
                if (existing is not null)
                {
                    result.Remove(existing);
                }

                continue;
            }

            if (existing is null)
            {
                var added = (JsonObject)item.DeepClone();
                added.Remove("$patch");
                result.Add(added);
            }
            else
            {
                var index = result.IndexOf(existing);
                result[index] = Merge(existing, item, strategic: true);
            }
        }

        return result;
    }
}
