namespace Pitcrew.Sim.Api;

/// <summary>A parsed resource URL: /api/v1/[namespaces/{ns}/]{resource}[/{name}[/{subresource}]] or /apis/{g}/{v}/...</summary>
internal sealed record ApiPath(ApiResource Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Parses the segments after the group-version; null when they name nothing served.</summary>
    public static ApiPath? Parse(string group, string version, IReadOnlyList<string> rest)
    {
        if (rest.Count == 0)
        {
            return null;
        }

        // namespaces/{ns}/{resource}/... addresses a namespaced resource; namespaces[/{name}[/status]] the namespace itself.
        if (rest[0] == "namespaces" && rest.Count >= 3 && ResourceCatalog.Find(group, version, rest[2]) is { Namespaced: true } namespaced)
        {
            return rest.Count > 5 ? null : new ApiPath(namespaced, rest[1], At(rest, 3), At(rest, 4));
        }

        var resource = ResourceCatalog.Find(group, version, rest[0]);
        return resource is null || rest.Count > 3 ? null : new ApiPath(resource, null, At(rest, 1), At(rest, 2));
    }

    private static string? At(IReadOnlyList<string> segments, int index) =>
        index < segments.Count && segments[index].Length > 0 ? segments[index] : null;
}
