using System.Text.Json;

namespace Pitcrew.Cluster;

/// <summary>
/// Small readers over <see cref="Utf8JsonReader"/> for the raw list readers. Each starts with the reader on a property's
/// value and leaves it on that value's last token. Strings that repeat across thousands of objects (namespaces, node
/// names, reasons, toleration keys) go through a <see cref="StringPool"/> so that 150,000 pods hold one copy of each.
/// </summary>
internal static class JsonFields
{
    /// <summary>A string value (null for JSON null; other kinds are skipped as null).</summary>
    public static string? String(ref Utf8JsonReader reader, StringPool? pool = null)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return null;
        }

        return pool is null ? reader.GetString() : pool.Get(ref reader);
    }

    public static int? Int(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : SkipAs<int?>(ref reader, null);

    public static bool Bool(ref Utf8JsonReader reader) =>
        reader.TokenType is JsonTokenType.True or JsonTokenType.False ? reader.GetBoolean() : SkipAs(ref reader, false);

    /// <summary>An RFC 3339 time as the API writes it ("2026-12-01T06:12:52Z").</summary>
    public static DateTimeOffset? Time(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time) ? time : SkipAs<DateTimeOffset?>(ref reader, null);

    /// <summary>A CPU quantity in millicores, rounded up (0 for null or anything not a string).</summary>
    public static long MilliCpu(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? Quantities.MilliCpu(ref reader) : SkipAs(ref reader, 0L);

    /// <summary>A quantity in whole units (bytes, pods), rounded up (0 for null or anything not a string).</summary>
    public static long Bytes(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? Quantities.Bytes(ref reader) : SkipAs(ref reader, 0L);

    /// <summary>Whether an object (annotations) has the key; its values are skipped.</summary>
    public static bool HasKey(ref Utf8JsonReader reader, ReadOnlySpan<byte> key)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            found |= reader.ValueTextEquals(key);
            reader.Read();
            reader.Skip();
        }

        return found;
    }

    /// <summary>A map of strings (labels, nodeSelector); null or empty gives the shared empty map.</summary>
    public static IReadOnlyDictionary<string, string> Map(ref Utf8JsonReader reader, StringPool pool)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return NodeFacts.EmptyMap;
        }

        Dictionary<string, string>? map = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = pool.Get(ref reader);
            reader.Read();
            if (String(ref reader, pool) is { } value)
            {
                (map ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value;
            }
        }

        return map is null ? NodeFacts.EmptyMap : pool.Share(map);
    }

    /// <summary>The strings of an array.</summary>
    public static IReadOnlyList<string> Strings(ref Utf8JsonReader reader, StringPool pool)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return [];
        }

        var list = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (String(ref reader, pool) is { } value)
            {
                list.Add(value);
            }
        }

        return list;
    }

    private static T SkipAs<T>(ref Utf8JsonReader reader, T value)
    {
        reader.Skip();
        return value;
    }

}

/// <summary>
/// One copy of each distinct short string, and of each distinct string map (the pods of one ReplicaSet carry the same
/// labels), read from one list; strings are looked up without allocating. Not thread-safe (a list is read page after page).
/// </summary>
internal sealed class StringPool
{
    private const int MaxPooledLength = 256;
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<Dictionary<string, string>> _maps = new(MapContent.Comparer);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _strings.Count;

    /// <summary>The reader's current string (or property name), pooled when short.</summary>
    public string Get(ref Utf8JsonReader reader)
    {
        // UTF-8 (escaped or not) never takes fewer bytes than the UTF-16 chars it decodes to.
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > MaxPooledLength)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[MaxPooledLength];
        var text = chars[..reader.CopyString(chars)];
        if (_lookup.TryGetValue(text, out var pooled))
        {
            return pooled;
        }

        var created = new string(text);
        _strings[created] = created;
        return created;
    }

    /// <summary>The map read before with the same entries, or this one, kept for the next.</summary>
    public IReadOnlyDictionary<string, string> Share(Dictionary<string, string> map)
    {
        if (_maps.TryGetValue(map, out var shared))
        {
            return shared;
        }

        _maps.Add(map);
        return map;
    }

    /// <summary>Equality of string maps by their entries (ordinal).</summary>
    private sealed class MapContent : IEqualityComparer<Dictionary<string, string>>
    {
        public static readonly MapContent Comparer = new();

        public bool Equals(Dictionary<string, string>? x, Dictionary<string, string>? y)
        {
            if (ReferenceEquals(x, y))
            {
                return true;
            }

            if (x is null || y is null || x.Count != y.Count)
            {
                return false;
            }

            foreach (var (key, value) in x)
            {
                if (!y.TryGetValue(key, out var other) || !string.Equals(value, other, StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(Dictionary<string, string> map)
        {
            // Order-independent: the same labels may come in another order.
            var hash = map.Count;
            foreach (var (key, value) in map)
            {
                hash += HashCode.Combine(StringComparer.Ordinal.GetHashCode(key), StringComparer.Ordinal.GetHashCode(value));
            }

            return hash;
        }
    }
}
