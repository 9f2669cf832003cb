namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Whether a node satisfies a pod's nodeSelector and its required node affinity: any one of the nodeSelectorTerms, each
/// term all of its matchExpressions (In, NotIn, Exists, DoesNotExist, Gt, Lt on labels) and matchFields (metadata.name).
/// </summary>
internal static class NodeAffinity
{
    public static bool Matches(JsonObject pod, string nodeName, JsonObject? labels)
    {
        if (pod["spec"]?["nodeSelector"] is JsonObject selector && selector.Any(p => (string?)labels?[p.Key] != (string?)p.Value))
        {
            return false;
        }

        var terms = (pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] as JsonArray)
            ?.OfType<JsonObject>().ToList();
        return terms is not { Count: > 0 } || terms.Any(term => TermMatches(term, nodeName, labels));
    }

    private static bool TermMatches(JsonObject term, string nodeName, JsonObject? labels)
    {
        var expressions = (term["matchExpressions"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var fields = (term["matchFields"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false; // An empty term matches no objects.
        }

        return expressions.All(e => Requirement(e, labels?[(string?)e["key"] ?? string.Empty] is { } value ? value.ToString() : null))
            && fields.All(f => (string?)f["key"] == "metadata.name" && Requirement(f, nodeName));
    }

    private static bool Requirement(JsonObject expression, string? value)
    {
        var values = (expression["values"] as JsonArray)?.Select(v => v?.ToString()).OfType<string>().ToList() ?? [];
        return (string?)expression["operator"] switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => Compare(value, values) > 0,
            "Lt" => Compare(value, values) is < 0 and not int.MinValue,
            _ => false,
        };
    }

    /// <summary>Sign of label - the single value, as integers; int.MinValue when either is not an integer.</summary>
    private static int Compare(string? value, List<string> values) =>
        values.Count == 1 && long.TryParse(value, CultureInfo.InvariantCulture, out var label) && long.TryParse(values[0], CultureInfo.InvariantCulture, out var bound)
            ? label.CompareTo(bound)
            : int.MinValue;
}
