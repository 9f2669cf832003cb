namespace Pitcrew.Sim.Api;

/// <summary>
/// A minimal OpenAPI v3: an index of group-versions, and per group-version a patch operation per kind that declares the
/// fieldValidation parameter, from which kubectl concludes the server validates fields and skips its own schema checks.
/// </summary>
internal static class OpenApi
{
    public static JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var groupVersion in ResourceCatalog.All.Where(r => !r.Computed).Select(r => (r.Group, r.Version)).Distinct())
        {
            var path = groupVersion.Group.Length == 0 ? $"api/{groupVersion.Version}" : $"apis/{groupVersion.Group}/{groupVersion.Version}";
            paths[path] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document for /openapi/v3/api/v1 or /openapi/v3/apis/{group}/{version}; null when not served.</summary>
    public static JsonObject? GroupVersion(string group, string version)
    {
        var resources = ResourceCatalog.All.Where(r => r.Group == group && r.Version == version && !r.Computed).ToList();
        if (resources.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var resource in resources)
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var path = resource.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{resource.Name}/{{name}}" : $"{prefix}/{resource.Name}/{{name}}";
            paths[path] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = resource.Kind },
                    ["parameters"] = new JsonArray(new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } }),
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (pitcrew sim)", ["version"] = version },
            ["paths"] = paths,
        };
    }
}
