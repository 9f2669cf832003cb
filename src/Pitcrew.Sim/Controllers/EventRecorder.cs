namespace Pitcrew.Sim.Controllers;

/// <summary>Writes core/v1 Events about objects, as the components they stand for would (kubectl get events, describe).</summary>
internal sealed class EventRecorder(ObjectWriter writer)
{
    private static readonly ApiResource Events = ResourceCatalog.Find(string.Empty, "v1", "events")!;

    public async Task RecordAsync(JsonObject involved, ApiResource resource, string type, string reason, string message, string component, string? host,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var metadata = ObjectMeta.Metadata(involved);
        var ns = (string?)metadata["namespace"] ?? "default";
        var stamp = ObjectMeta.Timestamp(now);
        var source = new JsonObject { ["component"] = component };
        if (host is not null)
        {
            source["host"] = host;
        }

        var e = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"{(string?)metadata["name"]}.{now.UtcTicks:x}{Random.Shared.Next(0x1000):x3}" },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = resource.Kind,
                ["namespace"] = (string?)metadata["namespace"],
                ["name"] = (string?)metadata["name"],
                ["uid"] = (string?)metadata["uid"],
                ["apiVersion"] = resource.GroupVersion,
                ["resourceVersion"] = (string?)metadata["resourceVersion"],
            },
            ["reason"] = reason,
            ["message"] = message,
            ["source"] = source,
            ["firstTimestamp"] = stamp,
            ["lastTimestamp"] = stamp,
            ["count"] = 1,
            ["type"] = type,
            ["reportingComponent"] = component,
            ["reportingInstance"] = host ?? string.Empty,
        };
        await writer.CreateAsync(Events, e, ns, now, cancellationToken).ConfigureAwait(false);
    }
}
