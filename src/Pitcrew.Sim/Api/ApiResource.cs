namespace Pitcrew.Sim.Api;

/// <summary>One served resource: where it lives in the API and in etcd (unless computed on request), and what it answers to.</summary>
internal sealed record ApiResource(
    string Group,
    string Version,
    string Name,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<ApiSubresource> Subresources,
    string? StoragePrefix = null,
    IReadOnlyList<string>? Verbs = null,
    bool Categorized = false,
    bool Computed = false)
{
    public static readonly IReadOnlyList<string> StandardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string Singular => Kind.ToLowerInvariant();

    /// <summary>Workload objects count spec changes in metadata.generation, which their controllers report as observed.</summary>
    public bool TracksGeneration => Group is "apps" or "batch" or "policy";

    public IReadOnlyList<string> AllowedVerbs => Verbs ?? StandardVerbs;

    /// <summary>The etcd key prefix, with kube-apiserver's legacy names (nodes live under minions).</summary>
    public string KeyPrefix => "/registry/" + (StoragePrefix ?? Name) + "/";

    public string KeyFor(string? ns, string name) => Namespaced ? $"{KeyPrefix}{ns}/{name}" : KeyPrefix + name;
}

/// <summary>A subresource such as pods/eviction, with the kind it takes and the verbs it allows.</summary>
internal sealed record ApiSubresource(string Name, string Group, string Version, string Kind, IReadOnlyList<string> Verbs);
