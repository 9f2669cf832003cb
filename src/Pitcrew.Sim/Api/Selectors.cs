using System.Text.Json.Nodes;

namespace Pitcrew.Sim.Api;

/// <summary>Label and field selectors: k=v, k==v, k!=v (both), and k, !k (labels), comma-separated as AND.</summary>
internal sealed class Selectors
{
    private static readonly Dictionary<string, string[]> FieldPaths = new(StringComparer.Ordinal)
    {
        ["metadata.name"] = ["metadata", "name"],
        ["metadata.namespace"] = ["metadata", "namespace"],
        ["spec.nodeName"] = ["spec", "nodeName"],
        ["spec.unschedulable"] = ["spec", "unschedulable"],
        ["spec.schedulerName"] = ["spec", "schedulerName"],
        ["spec.restartPolicy"] = ["spec", "restartPolicy"],
        ["status.phase"] = ["status", "phase"],
        ["involvedObject.kind"] = ["involvedObject", "kind"],
        ["involvedObject.name"] = ["involvedObject", "name"],
        ["involvedObject.namespace"] = ["involvedObject", "namespace"],
        ["involvedObject.uid"] = ["involvedObject", "uid"],
        ["reason"] = ["reason"],
        ["type"] = ["type"],
    };

    private readonly List<Func<JsonObject, bool>> _tests = [];

    public static Selectors Parse(string? labelSelector, string? fieldSelector)
    {
        var selectors = new Selectors();
        foreach (var term in Terms(labelSelector))
        {
            selectors._tests.Add(LabelTest(term));
        }

        foreach (var term in Terms(fieldSelector))
        {
            selectors._tests.Add(FieldTest(term));
        }

        return selectors;
    }

    public bool IsEmpty => _tests.Count == 0;

    public bool Matches(JsonObject obj) => _tests.All(test => test(obj));

    private static string[] Terms(string? selector) =>
        string.IsNullOrWhiteSpace(selector) ? [] : selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static Func<JsonObject, bool> LabelTest(string term)
    {
        string? Label(JsonObject o, string key) => (ObjectMeta.Metadata(o)["labels"] as JsonObject)?[key]?.GetValue<string>();
        if (term.StartsWith('!'))
        {
            var key = term[1..];
            return o => Label(o, key) is null;
        }

        if (Split(term) is var (key2, value, negate))
        {
            return negate ? o => Label(o, key2) != value : o => Label(o, key2) == value;
        }

        return o => Label(o, term) is not null;
    }

    private static Func<JsonObject, bool> FieldTest(string term)
    {
        var (key, value, negate) = Split(term) ?? throw ApiStatus.BadRequest($"invalid field selector: {term}");
        if (!FieldPaths.TryGetValue(key, out var path))
        {
            throw ApiStatus.BadRequest($"field label not supported: {key}");
        }

        return o =>
        {
            JsonNode? node = o;
            foreach (var part in path)
            {
                node = node?[part];
            }

            var actual = node switch
            {
                null => string.Empty,
                JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
                _ => node.ToString(),
            };
            if (key == "spec.unschedulable" && node is null)
            {
                actual = "false";
            }

            return negate ? actual != value : actual == value;
        };
    }

    private static (string Key, string Value, bool Negate)? Split(string term)
    {
        var notEqual = term.IndexOf("!=", StringComparison.Ordinal);
        if (notEqual > 0)
        {
            return (term[..notEqual], term[(notEqual + 2)..], true);
        }

        var equal = term.IndexOf('=', StringComparison.Ordinal);
        if (equal <= 0)
        {
            return null;
        }

        var value = term[(equal + 1)..];
        return (term[..equal], value.StartsWith('=') ? value[1..] : value, false);
    }
}
