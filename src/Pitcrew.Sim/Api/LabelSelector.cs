namespace Pitcrew.Sim.Api;

/// <summary>metav1.LabelSelector matching: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist).</summary>
internal static class LabelSelector
{
    /// <summary>Whether the labels satisfy the selector; a null selector matches nothing, an empty one everything.</summary>
    public static bool Matches(JsonObject? selector, JsonObject? labels)
    {
        if (selector is null)
        {
            return false;
        }

        string? Label(string key) => labels?[key]?.GetValue<string>();
        if (selector["matchLabels"] is JsonObject matchLabels && matchLabels.Any(p => Label(p.Key) != (string?)p.Value))
        {
            return false;
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var key = (string?)expression["key"] ?? string.Empty;
            var values = (expression["values"] as JsonArray)?.Select(v => (string?)v).ToHashSet() ?? [];
            var value = Label(key);
            var ok = (string?)expression["operator"] switch
            {
                "In" => value is not null && values.Contains(value),
                "NotIn" => value is null || !values.Contains(value),
                "Exists" => value is not null,
                "DoesNotExist" => value is null,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
