using System.Text;
using System.Text.Json;

namespace Pitcrew.Sim.Api;

/// <summary>
/// The list path's shortcuts over stored JSON bytes: an object served as stored only gains its resourceVersion, which is
/// spliced into the bytes (no parse, no re-serialisation); and an equality selector whose value cannot occur in the
/// bytes rules the object out before it is parsed.
/// </summary>
internal static class ServedJson
{
    private static readonly byte[] ResourceVersionName = "\"resourceVersion\":\""u8.ToArray();

    /// <summary>
    /// The stored object with metadata.resourceVersion set to the revision, as parsing, setting it and writing back would
    /// give (the field first in metadata rather than last); null when the bytes are not a plain object with a metadata
    /// object free of resourceVersion, for the caller to take the slow way.
    /// </summary>
    public static byte[]? WithResourceVersion(byte[] stored, long revision)
    {
        var reader = new Utf8JsonReader(stored);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!reader.ValueTextEquals("metadata"u8))
            {
                reader.Skip();
                continue;
            }

            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var insertAt = (int)reader.BytesConsumed;
            var empty = true;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("resourceVersion"u8))
                {
                    return null;
                }

                empty = false;
                reader.Skip();
            }

            return Splice(stored, insertAt, revision, empty);
        }

        return null;
    }

    /// <summary>
    /// Values that must occur verbatim in the stored bytes of any object the selectors match: those of k=v and k==v terms
    /// (label or field) made only of characters JSON writers never escape; not true or false, which a field missing from
    /// the object stands for (spec.unschedulable). Empty when nothing can be ruled out this way.
    /// </summary>
    public static IReadOnlyList<byte[]> RequiredValues(string? labelSelector, string? fieldSelector) =>
        [.. Terms(labelSelector).Concat(Terms(fieldSelector))
            .Where(t => !t.Contains("!=", StringComparison.Ordinal) && t.IndexOf('=', StringComparison.Ordinal) > 0)
            .Select(t => t[(t.IndexOf('=', StringComparison.Ordinal) + 1)..].TrimStart('='))
            .Where(v => v.Length > 0 && v.All(Plain) && v is not ("true" or "false"))
            .Select(v => Encoding.UTF8.GetBytes(v))];

    /// <summary>Whether every required value occurs in the bytes (so that the object may match and is worth parsing).</summary>
    public static bool MayMatch(byte[] stored, IReadOnlyList<byte[]> required)
    {
        foreach (var value in required)
        {
            if (stored.AsSpan().IndexOf(value) < 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Characters no JSON writer escapes in a string (System.Text.Json's default encoder escapes HTML-sensitive ones such
    /// as + and &amp;, and everything outside ASCII).
    /// </summary>
    private static bool Plain(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.' or '_' or '/' or ':';

    private static string[] Terms(string? selector) =>
        string.IsNullOrWhiteSpace(selector) ? [] : selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static byte[] Splice(byte[] stored, int insertAt, long revision, bool empty)
    {
        Span<byte> digits = stackalloc byte[20];
        revision.TryFormat(digits, out var written, provider: CultureInfo.InvariantCulture);
        var extra = ResourceVersionName.Length + written + 1 + (empty ? 0 : 1);
        var result = new byte[stored.Length + extra];
        stored.AsSpan(0, insertAt).CopyTo(result);
        var at = insertAt;
        ResourceVersionName.CopyTo(result.AsSpan(at));
        at += ResourceVersionName.Length;
        digits[..written].CopyTo(result.AsSpan(at));
        at += written;
        result[at++] = (byte)'"';
        if (!empty)
        {
            result[at++] = (byte)',';
        }

        stored.AsSpan(insertAt).CopyTo(result.AsSpan(at));
        return result;
    }
}
