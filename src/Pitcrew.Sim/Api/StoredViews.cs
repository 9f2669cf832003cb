namespace Pitcrew.Sim.Api;

/// <summary>Resources served as another version of a stored one: events.k8s.io/v1 Events are core/v1 Events in etcd.</summary>
internal static class StoredViews
{
    private static readonly ApiResource CoreEvents = ResourceCatalog.Find(string.Empty, "v1", "events")!;

    /// <summary>The resource whose form is stored for the one served (itself unless it is a view).</summary>
    public static ApiResource Storage(ApiResource served) => IsEventsV1(served) ? CoreEvents : served;

    /// <summary>A stored object as the served resource shows it.</summary>
    public static JsonObject ToServed(ApiResource served, JsonObject stored) => IsEventsV1(served) ? EventsV1.FromCore(stored) : stored;

    /// <summary>An object given through the served resource in the form to store.</summary>
    public static JsonObject ToStored(ApiResource served, JsonObject given) => IsEventsV1(served) ? EventsV1.ToCore(given) : given;

    private static bool IsEventsV1(ApiResource resource) => resource is { Group: EventsV1.Group, Name: "events" };
}
