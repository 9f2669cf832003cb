namespace Pitcrew.Sim.Api;

/// <summary>Label and field selectors: k=v, k==v, k!=v (both), and k, !k (labels), comma-separated as AND.</summary>
internal sealed class Selectors
{
    private static readonly Dictionary<string, Func<JsonObject, JsonNode?>> FieldPaths = new(StringComparer.Ordinal)
    {
        ["metadata.name"] = o => o["metadata"]?["name"],
        ["metadata.namespace"] = o => o["metadata"]?["namespace"],
        ["spec.nodeName"] = o => o["spec"]?["nodeName"],
        ["spec.unschedulable"] = o => o["spec"]?["unschedulable"] ?? false,
        ["spec.schedulerName"] = o => o["spec"]?["schedulerName"],
        ["spec.restartPolicy"] = o => o["spec"]?["restartPolicy"],
        ["status.phase"] = o => o["status"]?["phase"],
        ["involvedObject.kind"] = o => o["involvedObject"]?["kind"],
        ["involvedObject.name"] = o => o["involvedObject"]?["name"],
        ["involvedObject.namespace"] = o => o["involvedObject"]?["namespace"],
        ["involvedObject.uid"] = o => o["involvedObject"]?["uid"],
        ["involvedObject.apiVersion"] = o => o["involvedObject"]?["apiVersion"],
        ["involvedObject.resourceVersion"] = o => o["involvedObject"]?["resourceVersion"],
        ["involvedObject.fieldPath"] = o => o["involvedObject"]?["fieldPath"],
        ["reason"] = o => o["reason"],
        ["type"] = o => o["type"],
        ["reportingComponent"] = o => o["reportingComponent"],

        // kube-apiserver's event strategy: the source component, or the reporting controller when there is none.
        ["source"] = o => string.IsNullOrEmpty((string?)o["source"]?["component"]) ? o["reportingComponent"] : o["source"]?["component"],
    };

    private readonly List<Func<JsonObject, bool>> _tests = [];

    /// <summary>Parses both selectors; field labels are those of the served resource, tested on the stored form of its objects.</summary>
    public static Selectors Parse(string? labelSelector, string? fieldSelector, ApiResource? served = null)
    {
        var selectors = new Selectors();
        foreach (var term in Terms(labelSelector))
        {
            selectors._tests.Add(LabelTest(term));
        }

        foreach (var term in Terms(fieldSelector))
        {
            selectors._tests.Add(FieldTest(term, served));
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

    private static Func<JsonObject, bool> FieldTest(string term, ApiResource? served)
    {
        var (key, value, negate) = Split(term) ?? throw ApiStatus.BadRequest($"invalid field selector: {term}");
        var stored = key;
        if ((served is { Group: EventsV1.Group, Name: "events" } && !EventsV1.FieldLabels.TryGetValue(key, out stored!))
            || !FieldPaths.TryGetValue(stored, out var field))
        {
            throw ApiStatus.BadRequest($"field label not supported: {key}");
        }

        return o =>
        {
            var node = field(o);
            var actual = node switch
            {
                null => string.Empty,
                JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
                _ => node.ToString(),
            };
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
