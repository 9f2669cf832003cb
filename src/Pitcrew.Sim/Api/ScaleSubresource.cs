using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>
/// The scale subresource of Deployments, ReplicaSets and StatefulSets (autoscaling/v1 Scale): get, update and patch of
/// spec.replicas, as `kubectl scale` and autoscalers use it.
/// </summary>
internal sealed class ScaleSubresource(RegistryStore store)
{
    private const int Attempts = 5;

    public async Task<ApiResult> HandleAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var method = context.Request.Method;
        if (method is not ("GET" or "PUT" or "PATCH") || path.Name is null)
        {
            throw ApiStatus.MethodNotAllowed(method.ToLowerInvariant(), path.Resource);
        }

        var body = method == "GET" ? null : await JsonNode.ParseAsync(context.Request.Body, cancellationToken: ct).ConfigureAwait(false)
            ?? throw ApiStatus.BadRequest("empty body");
        var key = path.Resource.KeyFor(path.Namespace, path.Name);
        for (var attempt = 1; ; attempt++)
        {
            var stored = await store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiStatus.NotFound(path.Resource, path.Name);
            var obj = JsonNode.Parse(stored.Value)!.AsObject();
            var scale = Scale(obj, stored.ModRevision);
            if (body is null)
            {
                return ApiResult.Ok(scale);
            }

            var wanted = method == "PUT"
                ? body as JsonObject ?? throw ApiStatus.BadRequest("the request body must be a Scale object")
                : Patches.Apply((context.Request.ContentType ?? string.Empty).Split(';')[0].Trim(), scale, body);
            if ((string?)wanted["metadata"]?["resourceVersion"] is { } given && given != stored.ModRevision.ToString(CultureInfo.InvariantCulture))
            {
                throw ApiStatus.Conflict(path.Resource, path.Name, "the object has been modified; please apply your changes to the latest version and try again");
            }

            var replicas = (long?)wanted["spec"]?["replicas"] ?? throw ApiStatus.BadRequest("spec.replicas is required");
            if (replicas < 0)
            {
                throw ApiStatus.BadRequest($"spec.replicas: Invalid value: {replicas}: must be greater than or equal to 0");
            }

            var spec = obj["spec"] as JsonObject ?? [];
            if ((long?)spec["replicas"] != replicas)
            {
                spec["replicas"] = replicas;
                obj["spec"] = spec;
                var metadata = ObjectMeta.Metadata(obj);
                metadata["generation"] = ((long?)metadata["generation"] ?? 1) + 1;
            }

            if (DryRunQuery.IsDryRun(context.Request))
            {
                return ApiResult.Ok(Scale(obj, stored.ModRevision));
            }

            if (await store.UpdateAsync(key, obj, stored.ModRevision, ct).ConfigureAwait(false) is { } written)
            {
                return ApiResult.Ok(Scale(obj, written));
            }

            if (attempt == Attempts)
            {
                throw ApiStatus.Conflict(path.Resource, path.Name, "the object has been modified; please apply your changes to the latest version and try again");
            }
        }
    }

    private static JsonObject Scale(JsonObject obj, long revision)
    {
        var metadata = ObjectMeta.Metadata(obj);
        var matchLabels = obj["spec"]?["selector"]?["matchLabels"] as JsonObject ?? [];
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = metadata["name"]?.DeepClone(),
                ["namespace"] = metadata["namespace"]?.DeepClone(),
                ["uid"] = metadata["uid"]?.DeepClone(),
                ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture),
                ["creationTimestamp"] = metadata["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = (long?)obj["spec"]?["replicas"] ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = (long?)obj["status"]?["replicas"] ?? 0,
                ["selector"] = string.Join(",", matchLabels.Select(p => $"{p.Key}={(string?)p.Value}")),
            },
        };
    }
}
