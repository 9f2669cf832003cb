using System.Text;

namespace Pitcrew.Snapshots;

/// <summary>Maps kube-apiserver storage keys (/registry/...) to the resource they hold.</summary>
internal static class RegistryResources
{
    private const string Prefix = "/registry/";

    /// <summary>kube-apiserver's legacy storage prefixes that differ from the resource name.</summary>
    private static readonly Dictionary<string, string> SpecialPrefixes = new(StringComparer.Ordinal)
    {
        ["minions"] = "nodes",
        ["controllers"] = "replicationcontrollers",
        ["ingress"] = "ingresses",
        ["services/specs"] = "services",
        ["services/endpoints"] = "endpoints",
    };

    /// <summary>Counts live keys per resource; empty when no key is under /registry/.</summary>
    public static IReadOnlyDictionary<string, long> Count(IEnumerable<byte[]> keys)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (key.Length <= Prefix.Length || !key.AsSpan().StartsWith("/registry/"u8))
            {
                continue;
            }

            var resource = Resource(Encoding.UTF8.GetString(key, Prefix.Length, key.Length - Prefix.Length));
            counts[resource] = counts.GetValueOrDefault(resource) + 1;
        }

        return counts;
    }

    /// <summary>The resource for a key path below /registry/ (e.g. "pods/default/web-1" gives "pods").</summary>
    public static string Resource(string path)
    {
        var parts = path.Split('/');
        if (parts.Length >= 2 && SpecialPrefixes.TryGetValue(parts[0] + "/" + parts[1], out var nested))
        {
            return nested;
        }

        if (SpecialPrefixes.TryGetValue(parts[0], out var special))
        {
            return special;
        }

        // Custom and aggregated resources live at /registry/<group>/<plural>/...; groups contain a dot.
        return parts[0].Contains('.', StringComparison.Ordinal) && parts.Length >= 3 ? $"{parts[1]}.{parts[0]}" : parts[0];
    }
}
