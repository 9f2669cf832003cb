namespace Pitcrew.Sim.Api;

/// <summary>
/// events.k8s.io/v1 Events: a second view of the core/v1 Events stored under /registry/events, converted field by field
/// both ways as kube-apiserver converts them (regarding is involvedObject, note is message, and so on).
/// </summary>
internal static class EventsV1
{
    public const string Group = "events.k8s.io";

    /// <summary>Field selector labels of events.k8s.io/v1 Events and the core fields they select on.</summary>
    public static readonly IReadOnlyDictionary<string, string> FieldLabels = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["metadata.name"] = "metadata.name",
        ["metadata.namespace"] = "metadata.namespace",
        ["reason"] = "reason",
        ["type"] = "type",
        ["reportingController"] = "reportingComponent",
        ["regarding.kind"] = "involvedObject.kind",
        ["regarding.namespace"] = "involvedObject.namespace",
        ["regarding.name"] = "involvedObject.name",
        ["regarding.uid"] = "involvedObject.uid",
        ["regarding.apiVersion"] = "involvedObject.apiVersion",
        ["regarding.resourceVersion"] = "involvedObject.resourceVersion",
        ["regarding.fieldPath"] = "involvedObject.fieldPath",
    };

    // Fields with the same name and meaning in both versions.
    private static readonly string[] Shared = ["reason", "type", "related", "action", "series", "reportingInstance", "eventTime"];

    // events.k8s.io/v1 name -> core/v1 name.
    private static readonly (string V1, string Core)[] Renamed =
    [
        ("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
        ("deprecatedCount", "count"),
    ];

    /// <summary>The events.k8s.io/v1 form of a stored core/v1 Event.</summary>
    public static JsonObject FromCore(JsonObject core)
    {
        var e = new JsonObject { ["kind"] = "Event", ["apiVersion"] = Group + "/v1", ["metadata"] = core["metadata"]?.DeepClone() };
        foreach (var field in Shared)
        {
            Copy(core, field, e, field);
        }

        foreach (var (v1, coreName) in Renamed)
        {
            Copy(core, coreName, e, v1);
        }

        // Events written the old way (by a recorder that fills only source and firstTimestamp) still read complete.
        if (string.IsNullOrEmpty((string?)e["reportingController"]) && core["source"]?["component"] is { } component)
        {
            e["reportingController"] = component.DeepClone();
        }

        if (string.IsNullOrEmpty((string?)e["reportingInstance"]) && core["source"]?["host"] is { } host)
        {
            e["reportingInstance"] = host.DeepClone();
        }

        if (e["eventTime"] is null && (string?)core["firstTimestamp"] is { } first)
        {
            e["eventTime"] = MicroTime(first);
        }

        return e;
    }

    /// <summary>The core/v1 Event to store for an events.k8s.io/v1 Event.</summary>
    public static JsonObject ToCore(JsonObject e)
    {
        var core = new JsonObject { ["kind"] = "Event", ["apiVersion"] = "v1", ["metadata"] = e["metadata"]?.DeepClone() };
        foreach (var field in Shared)
        {
            Copy(e, field, core, field);
        }

        foreach (var (v1, coreName) in Renamed)
        {
            Copy(e, v1, core, coreName);
        }

        return core;
    }

    /// <summary>eventTime is required in events.k8s.io/v1, as kube-apiserver validates it.</summary>
    public static void ValidateForCreate(JsonObject e)
    {
        if (e["eventTime"] is null)
        {
            var name = (string?)ObjectMeta.Metadata(e)["name"] ?? string.Empty;
            throw ApiStatus.Invalid("Event.events.k8s.io", name, [FieldError.Required("eventTime")]);
        }
    }

    private static void Copy(JsonObject from, string fromName, JsonObject to, string toName)
    {
        if (from[fromName] is { } value)
        {
            to[toName] = value.DeepClone();
        }
    }

    /// <summary>A metav1.Time as a MicroTime (six fractional digits), as eventTime is written.</summary>
    private static string MicroTime(string time) =>
        DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)
            : time;
}
