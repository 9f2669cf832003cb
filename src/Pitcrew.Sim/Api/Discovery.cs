namespace Pitcrew.Sim.Api;

/// <summary>Discovery documents: aggregated (apidiscovery.k8s.io/v2) and the legacy lists kubectl falls back to.</summary>
internal static class Discovery
{
    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>Whether the client accepts aggregated v2 discovery (kubectl does; older clients do not).</summary>
    public static bool WantsAggregated(string? accept) =>
        accept is not null && accept.Contains("g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", StringComparison.Ordinal);

    /// <summary>/api (core) or /apis (named groups) as an APIGroupDiscoveryList.</summary>
    public static JsonObject Aggregated(bool core)
    {
        var items = new JsonArray();
        foreach (var group in ResourceCatalog.Groups.Where(g => (g.Length == 0) == core))
        {
            var versions = new JsonArray();
            foreach (var version in ResourceCatalog.All.Where(r => r.Group == group).Select(r => r.Version).Distinct())
            {
                var resources = new JsonArray();
                foreach (var resource in ResourceCatalog.All.Where(r => r.Group == group && r.Version == version))
                {
                    resources.Add(AggregatedResource(resource));
                }

                versions.Add(new JsonObject { ["version"] = version, ["freshness"] = "Current", ["resources"] = resources });
            }

            items.Add(new JsonObject { ["metadata"] = new JsonObject { ["name"] = group }, ["versions"] = versions });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    public static JsonObject LegacyCoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject LegacyGroups()
    {
        var groups = new JsonArray();
        foreach (var group in ResourceCatalog.Groups.Where(g => g.Length > 0))
        {
            var versions = new JsonArray();
            foreach (var version in ResourceCatalog.All.Where(r => r.Group == group).Select(r => r.Version).Distinct())
            {
                versions.Add(GroupVersion(group, version));
            }

            groups.Add(new JsonObject { ["name"] = group, ["versions"] = versions, ["preferredVersion"] = versions[0]!.DeepClone() });
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary>/api/v1 or /apis/{group}/{version} as an APIResourceList; null when the group-version is not served.</summary>
    public static JsonObject? ResourceList(string group, string version)
    {
        var served = ResourceCatalog.All.Where(r => r.Group == group && r.Version == version).ToList();
        if (served.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var resource in served)
        {
            resources.Add(LegacyResource(resource.Name, resource.Singular, resource.Namespaced, null, null, resource.Kind, resource.AllowedVerbs, resource.ShortNames));
            foreach (var sub in resource.Subresources)
            {
                resources.Add(LegacyResource($"{resource.Name}/{sub.Name}", string.Empty, resource.Namespaced, sub.Group, sub.Version, sub.Kind, sub.Verbs, []));
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject AggregatedResource(ApiResource resource)
    {
        var subresources = new JsonArray();
        foreach (var sub in resource.Subresources)
        {
            subresources.Add(new JsonObject
            {
                ["subresource"] = sub.Name,
                ["responseKind"] = Kind(sub.Group, sub.Version, sub.Kind),
                ["verbs"] = Strings(sub.Verbs),
            });
        }

        var json = new JsonObject
        {
            ["resource"] = resource.Name,
            ["responseKind"] = Kind(resource.Group, resource.Version, resource.Kind),
            ["scope"] = resource.Namespaced ? "Namespaced" : "Cluster",
            ["singularResource"] = resource.Singular,
            ["verbs"] = Strings(resource.AllowedVerbs),
            ["shortNames"] = Strings(resource.ShortNames),
            ["subresources"] = subresources,
        };
        if (resource.Categorized)
        {
            json["categories"] = new JsonArray("all");
        }

        return json;
    }

    private static JsonObject LegacyResource(
        string name, string singular, bool namespaced, string? group, string? version, string kind, IReadOnlyList<string> verbs, IReadOnlyList<string> shortNames)
    {
        var json = new JsonObject
        {
            ["name"] = name,
            ["singularName"] = singular,
            ["namespaced"] = namespaced,
            ["kind"] = kind,
            ["verbs"] = Strings(verbs),
        };
        if (group is not null)
        {
            json["group"] = group;
            json["version"] = version;
        }

        if (shortNames.Count > 0)
        {
            json["shortNames"] = Strings(shortNames);
        }

        return json;
    }

    private static JsonObject GroupVersion(string group, string version) =>
        new() { ["groupVersion"] = $"{group}/{version}", ["version"] = version };

    private static JsonObject Kind(string group, string version, string kind) =>
        new() { ["group"] = group, ["version"] = version, ["kind"] = kind };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]);
}
