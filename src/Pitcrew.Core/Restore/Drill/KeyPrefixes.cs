using System.Text;

namespace Pitcrew.Restore.Drill;

/// <summary>Groups keys for counting: /registry/RESOURCE/ for Kubernetes keys, /TOP/ for other paths, (other) for the rest.</summary>
internal static class KeyPrefixes
{
    public const string Other = "(other)";

    public static string Of(ReadOnlySpan<byte> key)
    {
        if (key.IsEmpty || key[0] != (byte)'/')
        {
            return Other;
        }

        var slashes = key.StartsWith("/registry/"u8) ? 3 : 2;
        var seen = 0;
        for (var i = 0; i < key.Length; i++)
        {
            if (key[i] == (byte)'/' && ++seen == slashes)
            {
                return Encoding.UTF8.GetString(key[..(i + 1)]);
            }
        }

        return Other;
    }

    /// <summary>Counts keys per prefix, sorted by prefix.</summary>
    public static SortedDictionary<string, long> Count(IEnumerable<byte[]> keys)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var prefix = Of(key);
            counts[prefix] = counts.GetValueOrDefault(prefix) + 1;
        }

        return counts;
    }
}
