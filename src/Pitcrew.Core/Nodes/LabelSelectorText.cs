namespace Pitcrew.Nodes;

/// <summary>Parses kubectl's label selector syntax (k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b)) into a predicate.</summary>
internal static class LabelSelectorText
{
    public static Func<IReadOnlyDictionary<string, string>, bool> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return _ => true;
        }

        var requirements = Split(text).Select(Requirement).ToList();
        return labels => requirements.All(r => r(labels));
    }

    /// <summary>Splits on commas outside parentheses.</summary>
    private static IEnumerable<string> Split(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i].Trim();
                start = i + 1;
            }
        }

        yield return text[start..].Trim();
    }

    private static Func<IReadOnlyDictionary<string, string>, bool> Requirement(string part)
    {
        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 2 && (words[1].StartsWith("in ", StringComparison.Ordinal) || words[1].StartsWith("notin ", StringComparison.Ordinal)))
        {
            var negate = words[1].StartsWith("notin", StringComparison.Ordinal);
            var list = words[1][(negate ? 5 : 2)..].Trim();
            if (!list.StartsWith('(') || !list.EndsWith(')'))
            {
                throw Invalid(part);
            }

            var values = list[1..^1].Split(',', StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            var key = words[0];
            return negate
                ? labels => !labels.TryGetValue(key, out var v) || !values.Contains(v)
                : labels => labels.TryGetValue(key, out var v) && values.Contains(v);
        }

        if (part.Contains("!=", StringComparison.Ordinal))
        {
            var (key, value) = Pair(part, "!=");
            return labels => !labels.TryGetValue(key, out var v) || v != value;
        }

        if (part.Contains('='))
        {
            var (key, value) = Pair(part, part.Contains("==", StringComparison.Ordinal) ? "==" : "=");
            return labels => labels.TryGetValue(key, out var v) && v == value;
        }

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return labels => !labels.ContainsKey(key);
        }

        return part.Length > 0 && !part.Contains(' ', StringComparison.Ordinal) ? labels => labels.ContainsKey(part) : throw Invalid(part);
    }

    private static (string Key, string Value) Pair(string part, string separator)
    {
        var at = part.IndexOf(separator, StringComparison.Ordinal);
        var key = part[..at].Trim();
        return key.Length == 0 ? throw Invalid(part) : (key, part[(at + separator.Length)..].Trim());
    }

    private static PitcrewException Invalid(string part) => new($"--pod-selector={part} must be a valid label selector", ExitCodes.Usage);
}
