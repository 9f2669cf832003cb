using System.Text.RegularExpressions;

namespace Pitcrew.Sim.Api;

/// <summary>The simulated cluster's Kubernetes version, as /version reports it.</summary>
internal sealed partial record SimVersion(int Major, int Minor, int Patch)
{
    public string GitVersion => string.Create(CultureInfo.InvariantCulture, $"v{Major}.{Minor}.{Patch}");

    public static SimVersion Parse(string text)
    {
        var match = Semver().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"\"{text}\" is not a Kubernetes version such as v1.30.4");
        }

        int Part(int i) => int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture);
        return new SimVersion(Part(1), Part(2), Part(3));
    }

    public JsonObject ToJson() => new()
    {
        ["major"] = Major.ToString(CultureInfo.InvariantCulture),
        ["minor"] = Minor.ToString(CultureInfo.InvariantCulture),
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.22.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    [GeneratedRegex(@"^v?(\d+)\.(\d+)\.(\d+)$")]
    private static partial Regex Semver();
}
