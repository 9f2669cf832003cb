using System.Text.Json.Nodes;
using Pitcrew.Sim.Api;

namespace Pitcrew.Sim.Controllers;

/// <summary>The resources and object facts the controllers share.</summary>
internal static class Resources
{
    public static readonly ApiResource Pods = ResourceCatalog.Find(string.Empty, "v1", "pods")!;
    public static readonly ApiResource Nodes = ResourceCatalog.Find(string.Empty, "v1", "nodes")!;
    public static readonly ApiResource Budgets = ResourceCatalog.Find("policy", "v1", "poddisruptionbudgets")!;

    public static string Name(JsonObject obj) => (string)ObjectMeta.Metadata(obj)["name"]!;

    public static string? Namespace(JsonObject obj) => (string?)ObjectMeta.Metadata(obj)["namespace"];

    public static bool Terminating(JsonObject obj) => ObjectMeta.Metadata(obj)["deletionTimestamp"] is not null;

    public static DateTimeOffset? Time(JsonNode? value) =>
        (string?)value is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : null;

    public static bool HasCondition(JsonObject obj, string type, string status = "True") =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().Any(c => (string?)c["type"] == type && (string?)c["status"] == status) ?? false;
}
