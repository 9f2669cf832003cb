using System.Globalization;
using System.Text.RegularExpressions;

namespace Pitcrew.Upgrade;

/// <summary>A Kubernetes release version (v1.30.4), comparable, with the package versions pkgs.k8s.io gives it.</summary>
internal sealed partial record KubeVersion(int Major, int Minor, int Patch) : IComparable<KubeVersion>
{
    /// <summary>The Debian revision pkgs.k8s.io gives every package (1.30.4-1.1); the legacy apt.kubernetes.io "-00" is gone.</summary>
    public const string DebRevision = "1.1";

    /// <summary>The RPM release pkgs.k8s.io gives every package (1.30.4-150500.1.1).</summary>
    public const string RpmRelease = "150500.1.1";

    public string Text => string.Create(CultureInfo.InvariantCulture, $"v{Major}.{Minor}.{Patch}");

    /// <summary>The minor series, as the pkgs.k8s.io repository path names it: v1.30.</summary>
    public string MinorText => string.Create(CultureInfo.InvariantCulture, $"v{Major}.{Minor}");

    /// <summary>The package version on pkgs.k8s.io's Debian repositories: 1.30.4-1.1.</summary>
    public string DebVersion => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}-{DebRevision}");

    /// <summary>The package version on pkgs.k8s.io's RPM repositories: 1.30.4-150500.1.1.</summary>
    public string RpmVersion => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}.{Patch}-{RpmRelease}");

    public static KubeVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"\"{text}\" is not a Kubernetes version such as v1.30.4");

    public static bool TryParse(string? text, out KubeVersion version)
    {
        var match = text is null ? Match.Empty : Full().Match(text.Trim());
        version = match.Success ? new KubeVersion(Part(match, 1), Part(match, 2), Part(match, 3)) : new KubeVersion(0, 0, 0);
        return match.Success;
    }

    /// <summary>A minor series (v1.30, 1.30) as major and minor; null when the text is not one.</summary>
    public static (int Major, int Minor)? ParseMinor(string text)
    {
        var match = MinorOnly().Match(text.Trim());
        return match.Success ? (Part(match, 1), Part(match, 2)) : null;
    }

    /// <summary>The version in an image reference's tag (registry.k8s.io/kube-apiserver:v1.30.4), or null.</summary>
    public static KubeVersion? FromImage(string? image)
    {
        var colon = image?.LastIndexOf(':') ?? -1;
        return colon > 0 && TryParse(image![(colon + 1)..], out var version) ? version : null;
    }

    /// <summary>How many minors this is ahead of <paramref name="other"/> (negative when behind).</summary>
    public int MinorsAhead(KubeVersion other) => (Major - other.Major) * 1000 + Minor - other.Minor;

    public bool SameMinor(KubeVersion other) => Major == other.Major && Minor == other.Minor;

    public int CompareTo(KubeVersion? other) => other is null ? 1
        : Major != other.Major ? Major.CompareTo(other.Major)
        : Minor != other.Minor ? Minor.CompareTo(other.Minor)
        : Patch.CompareTo(other.Patch);

    public static bool operator <(KubeVersion left, KubeVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(KubeVersion left, KubeVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(KubeVersion left, KubeVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(KubeVersion left, KubeVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => Text;

    private static int Part(Match match, int group) => int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$")]
    private static partial Regex Full();

    [GeneratedRegex(@"^v?(\d+)\.(\d+)$")]
    private static partial Regex MinorOnly();
}
