namespace Pitcrew.Sim.Api;

/// <summary>RFC 6902 JSON patch: add, remove, replace, move, copy and test, with RFC 6901 pointers.</summary>
internal static class JsonPatch
{
    public static JsonObject Apply(JsonObject target, JsonArray operations)
    {
        JsonNode document = target.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = (string?)operation["op"] ?? throw Invalid("an operation has no \"op\"");
            var path = (string?)operation["path"] ?? throw Invalid($"{op}: no \"path\"");
            switch (op)
            {
                case "add":
                    Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(document, path);
                    break;
                case "replace":
                    Remove(document, path);
                    Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "move":
                    var moved = Get(document, (string?)operation["from"] ?? throw Invalid("move: no \"from\""))?.DeepClone();
                    Remove(document, (string)operation["from"]!);
                    Add(document, path, moved);
                    break;
                case "copy":
                    Add(document, path, Get(document, (string?)operation["from"] ?? throw Invalid("copy: no \"from\""))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(document, path), operation["value"]))
                    {
                        throw new ApiStatus(422, "Invalid", $"the server rejected our request due to an error in our request: test failed at {path}");
                    }

                    break;
                default:
                    throw Invalid($"unknown operation \"{op}\"");
            }
        }

        return document as JsonObject ?? throw Invalid("the patch must leave an object");
    }

    private static JsonNode? Get(JsonNode document, string path)
    {
        var (parent, last) = Parent(document, path);
        return parent switch
        {
            JsonObject o when o.ContainsKey(last) => o[last],
            JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count => a[i],
            _ => throw Invalid($"path {path} does not exist"),
        };
    }

    private static void Add(JsonNode document, string path, JsonNode? value)
    {
        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw Invalid($"cannot add at {path}");
        }
    }

    private static void Remove(JsonNode document, string path)
    {
        var (parent, last) = Parent(document, path);
        switch (parent)
        {
            case JsonObject o when o.Remove(last):
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw Invalid($"path {path} does not exist");
        }
    }

    private static (JsonNode Parent, string Last) Parent(JsonNode document, string path)
    {
        if (!path.StartsWith('/'))
        {
            throw Invalid($"\"{path}\" is not a JSON pointer");
        }

        var parts = path[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
        var node = document;
        foreach (var part in parts[..^1])
        {
            node = node switch
            {
                JsonObject o => o[part],
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            } ?? throw Invalid($"path {path} does not exist");
        }

        return (node, parts[^1]);
    }

    private static ApiStatus Invalid(string why) => new(422, "Invalid", $"the server rejected our request due to an error in our request: {why}");
}
