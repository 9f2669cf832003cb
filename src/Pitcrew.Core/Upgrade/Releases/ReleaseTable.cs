using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace Pitcrew.Upgrade.Releases;

/// <summary>One minor release: its latest patch, release and end-of-life dates, and the etcd and CoreDNS kubeadm deploys with it.</summary>
internal sealed record MinorRelease(KubeVersion Latest, DateOnly Released, DateOnly EndOfLife, string Etcd, string CoreDns)
{
    public string Minor => Latest.MinorText;
}

/// <summary>The release data upgrade planning uses: shipped with Pitcrew (releases.yaml), replaceable with --releases FILE.</summary>
internal sealed class ReleaseTable
{
    private const string ResourceName = "Pitcrew.Upgrade.Releases.releases.yaml";
    private static readonly Lazy<ReleaseTable> Shipped = new(() => Parse(YamlDocument.Embedded(ResourceName), "releases.yaml (built in)"));

    private ReleaseTable(DateOnly asOf, IReadOnlyList<MinorRelease> minors)
    {
        AsOf = asOf;
        Minors = minors;
    }

    public static ReleaseTable Default => Shipped.Value;

    /// <summary>When the data was last true.</summary>
    public DateOnly AsOf { get; }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<MinorRelease> Minors { get; }

    public MinorRelease? Find(int major, int minor) => Minors.FirstOrDefault(m => m.Latest.Major == major && m.Latest.Minor == minor);

    public MinorRelease? Find(KubeVersion version) => Find(version.Major, version.Minor);

    public static ReleaseTable Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : throw new PitcrewException($"releases file {path}: no such file", ExitCodes.FileNotFound);

    public static ReleaseTable Parse(string text, string source)
    {
        var yaml = YamlDocument.Parse(text, source);
        yaml.OnlyKeys(yaml.Root, string.Empty, "asOf", "minors");
        var asOf = Date(yaml, yaml.Root, "asOf", string.Empty);
        var minors = new List<MinorRelease>();
        foreach (var (node, index) in yaml.Sequence(yaml.Root, "minors", string.Empty, required: true).Select((n, i) => (n, i)))
        {
            var path = $"minors[{index}]";
            var map = node as YamlMappingNode ?? throw yaml.Error(node, path, "expected a mapping");
            yaml.OnlyKeys(map, path, "minor", "latest", "released", "endOfLife", "etcd", "coredns");
            var minorText = yaml.Scalar(map, "minor", path, required: true)!;
            var minor = KubeVersion.ParseMinor(minorText) ?? throw yaml.Error(map, path + ".minor", $"\"{minorText}\" is not a minor version such as v1.30");
            var latestText = yaml.Scalar(map, "latest", path, required: true)!;
            if (!KubeVersion.TryParse(latestText, out var latest) || latest.Major != minor.Major || latest.Minor != minor.Minor)
            {
                throw yaml.Error(map, path + ".latest", $"\"{latestText}\" is not a patch release of {minorText}");
            }

            if (minors.Any(m => m.Latest.SameMinor(latest)))
            {
                throw yaml.Error(map, path + ".minor", $"{minorText} is listed twice");
            }

            minors.Add(new MinorRelease(latest, Date(yaml, map, "released", path), Date(yaml, map, "endOfLife", path),
                yaml.Scalar(map, "etcd", path, required: true)!, yaml.Scalar(map, "coredns", path, required: true)!));
        }

        return minors.Count > 0
            ? new ReleaseTable(asOf, [.. minors.OrderBy(m => m.Latest)])
            : throw yaml.Error(yaml.Root, "minors", "lists no release");
    }

    private static DateOnly Date(YamlDocument yaml, YamlMappingNode map, string key, string path)
    {
        var text = yaml.Scalar(map, key, path, required: true)!;
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw yaml.Error(map, YamlDocument.Join(path, key), $"\"{text}\" is not a date such as 2025-06-28");
    }
}
