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
        // Count by the key's first path segments first (few distinct values), then name each once.
        var byPrefix = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = byPrefix.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[256];
        foreach (var key in keys)
        {
            if (key.Length <= Prefix.Length || !key.AsSpan().StartsWith("/registry/"u8))
            {
                continue;
            }

            var path = key.AsSpan(Prefix.Length);
            var prefix = path[..SegmentsEnd(path)];
            if (prefix.Length > buffer.Length)
            {
                prefix = prefix[..buffer.Length];
            }

            var length = Encoding.UTF8.GetChars(prefix, buffer);
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(lookup, buffer[..length], out _);
            count++;
        }

        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (prefix, count) in byPrefix)
        {
            var resource = Resource(prefix);
            counts[resource] = counts.GetValueOrDefault(resource) + count;
        }

        return counts;
    }

    /// <summary>Where the segments that name the resource end: two for services/* and group paths, else one.</summary>
    private static int SegmentsEnd(ReadOnlySpan<byte> path)
    {
        var first = path.IndexOf((byte)'/');
        if (first < 0)
        {
            return path.Length;
        }

        var head = path[..first];
        if (!head.SequenceEqual("services"u8) && head.IndexOf((byte)'.') < 0)
        {
            return first;
        }

        var second = path[(first + 1)..].IndexOf((byte)'/');
        return second < 0 ? path.Length : first + 1 + second;
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
        return parts[0].Contains('.', StringComparison.Ordinal) && parts.Length >= 2 ? $"{parts[1]}.{parts[0]}" : parts[0];
    }
}
