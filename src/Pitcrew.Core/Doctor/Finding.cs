using System.Text.Json.Serialization;

namespace Pitcrew.Doctor;

/// <summary>How bad a finding is; the report's exit code follows the worst one.</summary>
internal enum Severity
{
    [JsonStringEnumMemberName("info")]
    Info,
    [JsonStringEnumMemberName("warning")]
    Warning,
    [JsonStringEnumMemberName("critical")]
    Critical,
}

/// <summary>The object a finding is about: kind, namespace (null for cluster-scoped) and name.</summary>
internal sealed record ObjectRef(string Kind, string? Namespace, string Name)
{
    /// <summary>kind/name or kind/namespace/name, the key --baseline compares by.</summary>
    public string Ref => ToString();

    public override string ToString() => Namespace is null ? $"{Kind.ToLowerInvariant()}/{Name}" : $"{Kind.ToLowerInvariant()}/{Namespace}/{Name}";
}

/// <summary>
/// One diagnosis: a stable check id (node.not-ready), how bad, about what, what is seen, why it probably happens, the
/// evidence read (conditions, events, numbers) and what to do.
/// </summary>
internal sealed record Finding(
    string Id,
    Severity Severity,
    ObjectRef Object,
    string Symptom,
    string Cause,
    IReadOnlyList<string> Evidence,
    string Remedy)
{
    /// <summary>What identifies the same problem across runs (for --baseline): check and object, not the numbers seen.</summary>
    [JsonIgnore]
    public string Key => $"{Id}|{Object}";
}
