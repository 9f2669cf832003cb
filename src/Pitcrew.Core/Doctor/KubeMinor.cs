using System.Text.RegularExpressions;

namespace Pitcrew.Doctor;

/// <summary>Major and minor of a Kubernetes version string such as v1.30.4 or v1.31.0-eks-1234.</summary>
internal static partial class KubeMinor
{
    public static (int Major, int Minor)? Of(string? version)
    {
        var match = version is null ? null : Pattern().Match(version);
        return match is { Success: true } ? (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    [GeneratedRegex(@"^v?(\d+)\.(\d+)")]
    private static partial Regex Pattern();
}
