using YamlDotNet.RepresentationModel;

namespace Pitcrew.Upgrade.Preflight;

/// <summary>An API version a release removed, and what replaces it.</summary>
internal sealed record RemovedApi(string RemovedIn, string Group, string Version, string Resource, string Use)
{
    public string Name => $"{Resource}.{(Group.Length == 0 ? string.Empty : Group + "/")}{Version}";
}

/// <summary>The table of removed APIs preflight checks the path against (removed-apis.yaml, built in).</summary>
internal static class RemovedApis
{
    private static readonly Lazy<IReadOnlyList<RemovedApi>> Shipped = new(() => Parse(YamlDocument.Embedded("Pitcrew.Upgrade.Preflight.removed-apis.yaml"), "removed-apis.yaml (built in)"));

    public static IReadOnlyList<RemovedApi> Default => Shipped.Value;

    public static IReadOnlyList<RemovedApi> Parse(string text, string source)
    {
        var yaml = YamlDocument.Parse(text, source);
        return [.. yaml.Sequence(yaml.Root, "removed", string.Empty, required: true).Select((node, i) =>
        {
            var path = $"removed[{i}]";
            var map = node as YamlMappingNode ?? throw yaml.Error(node, path, "expected a mapping");
            string Field(string key) => yaml.Scalar(map, key, path, required: true)!;
            return new RemovedApi(Field("removedIn"), Field("group"), Field("version"), Field("resource"), Field("use"));
        })];
    }

    /// <summary>The APIs removed by the minors an upgrade goes through (after the current minor, up to the target's).</summary>
    public static IReadOnlyList<RemovedApi> OnPath(IReadOnlyList<RemovedApi> table, KubeVersion current, KubeVersion target) =>
        [.. table.Where(api => KubeVersion.ParseMinor(api.RemovedIn) is { } removed
            && removed.Major == current.Major && removed.Minor > current.Minor && removed.Minor <= target.Minor)];
}
