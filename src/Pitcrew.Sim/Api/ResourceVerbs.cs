using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>get, list, create, update and delete on any catalogued resource, against the etcd store.</summary>
internal sealed class ResourceVerbs
{
    private const int PatchAttempts = 5;

    private readonly RegistryStore _store;
    private readonly ListVerb _list;
    private readonly TimeProvider _time;
    private readonly WatchStream _watch;
    private readonly Deleter _deleter;
    private readonly Evictor _evictor;
    private readonly MetricsApi _metrics;
    private readonly ScaleSubresource _scale;

    public ResourceVerbs(RegistryStore store, TimeProvider time, TimeSpan bookmarkInterval, ListCache? lists = null)
    {
        _store = store;
        _list = new ListVerb(store, time, lists);
        _time = time;
        _watch = new WatchStream(store, time, bookmarkInterval);
        _deleter = new Deleter(store, time);
        _evictor = new Evictor(store, _deleter, time);
        _metrics = new MetricsApi(store, time, lists);
        _scale = new ScaleSubresource(store);
    }

    public Task<ApiResult> HandleAsync(HttpContext context, ApiPath path)
    {
        var ct = context.RequestAborted;
        var method = context.Request.Method;
        if (path.Resource.Computed)
        {
            return method == "GET" && path.Subresource is null
                ? _metrics.HandleAsync(path, ct)
                : throw ApiStatus.MethodNotAllowed(method.ToLowerInvariant(), path.Resource);
        }

        if (path is { Subresource: "eviction", Resource.Name: "pods" } && method == "POST")
        {
            return _evictor.EvictAsync(context, path, ct);
        }

        if (path.Subresource == "scale")
        {
            return _scale.HandleAsync(context, path, ct);
        }

        if (path.Subresource is not null and not "status")
        {
            throw ApiStatus.MethodNotAllowed(method.ToLowerInvariant(), path.Resource);
        }

        return (method, path.Name) switch
        {
            ("GET", null) when QueryFlags.IsSet(context.Request.Query, "watch") => WatchAsync(context, path, ct),
            ("GET", null) => _list.ListAsync(context, path, ct),
            ("GET", _) => GetAsync(context, path, ct),
            ("POST", null) => CreateAsync(context, path, ct),
            ("PUT", not null) => UpdateAsync(context, path, ct),
            ("PATCH", not null) => PatchAsync(context, path, ct),
            ("DELETE", not null) => DeleteAsync(context, path, ct),
            _ => throw ApiStatus.MethodNotAllowed(method.ToLowerInvariant(), path.Resource),
        };
    }

    private async Task<ApiResult> WatchAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        await _watch.ServeAsync(context, path, ct).ConfigureAwait(false);
        return ApiResult.Streamed;
    }

    private async Task<ApiResult> GetAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var stored = await _store.GetAsync(path.Resource.KeyFor(path.Namespace, path.Name!), ct).ConfigureAwait(false)
            ?? throw ApiStatus.NotFound(path.Resource, path.Name!);
        var obj = StoredViews.ToServed(path.Resource, Read(stored));
        if (path.Subresource is null && Tables.Wanted(context.Request.Headers.Accept.ToString()))
        {
            var metadata = new JsonObject { ["resourceVersion"] = stored.ModRevision.ToString(CultureInfo.InvariantCulture) };
            return ApiResult.Ok(Tables.Build(path.Resource, [obj], metadata, context.Request.Query["includeObject"], _time.GetUtcNow()));
        }

        return ApiResult.Ok(obj);
    }

    private async Task<ApiResult> CreateAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var given = await BodyAsync(context, ct).ConfigureAwait(false);
        if (path.Resource.Group == EventsV1.Group)
        {
            EventsV1.ValidateForCreate(given);
        }

        var obj = StoredViews.ToStored(path.Resource, given);
        var name = ObjectMeta.PrepareForCreate(obj, StoredViews.Storage(path.Resource), path.Namespace, _time.GetUtcNow());
        var key = path.Resource.KeyFor(path.Namespace ?? ObjectMeta.Metadata(obj)["namespace"]?.GetValue<string>(), name);
        if (DryRunQuery.IsDryRun(context.Request))
        {
            return await _store.GetAsync(key, ct).ConfigureAwait(false) is null ? new ApiResult(201, obj) : throw ApiStatus.AlreadyExists(path.Resource, name);
        }

        var revision = await _store.CreateAsync(key, obj, ct).ConfigureAwait(false)
            ?? throw ApiStatus.AlreadyExists(path.Resource, name);
        ObjectMeta.SetResourceVersion(obj, revision);
        return new ApiResult(201, StoredViews.ToServed(path.Resource, obj));
    }

    private async Task<ApiResult> UpdateAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var candidate = StoredViews.ToStored(path.Resource, await BodyAsync(context, ct).ConfigureAwait(false));
        var key = path.Resource.KeyFor(path.Namespace, path.Name!);
        var current = await _store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiStatus.NotFound(path.Resource, path.Name!);
        var given = (string?)ObjectMeta.Metadata(candidate)["resourceVersion"];
        if (given is not null && given != current.ModRevision.ToString(CultureInfo.InvariantCulture))
        {
            throw StaleConflict(path);
        }

        var updated = Updated(path, Read(current), candidate);
        if (DryRunQuery.IsDryRun(context.Request))
        {
            ObjectMeta.SetResourceVersion(updated, current.ModRevision);
            return ApiResult.Ok(updated);
        }

        var revision = await _store.UpdateAsync(key, updated, current.ModRevision, ct).ConfigureAwait(false)
            ?? throw StaleConflict(path);
        ObjectMeta.SetResourceVersion(updated, revision);
        await RemoveIfFinalizedAsync(key, updated, revision, ct).ConfigureAwait(false);
        return ApiResult.Ok(StoredViews.ToServed(path.Resource, updated));
    }

    /// <summary>Applies the patch to the latest object and writes it back, retrying when another writer got there first.</summary>
    private async Task<ApiResult> PatchAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var contentType = (context.Request.ContentType ?? string.Empty).Split(';')[0].Trim();
        var patch = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: ct).ConfigureAwait(false)
            ?? throw ApiStatus.BadRequest("empty patch");
        var key = path.Resource.KeyFor(path.Namespace, path.Name!);
        var dryRun = DryRunQuery.IsDryRun(context.Request);
        for (var attempt = 1; ; attempt++)
        {
            var current = await _store.GetAsync(key, ct).ConfigureAwait(false) ?? throw ApiStatus.NotFound(path.Resource, path.Name!);
            var currentObject = Read(current);
            var patched = StoredViews.ToStored(path.Resource, Patches.Apply(contentType, StoredViews.ToServed(path.Resource, currentObject), patch));
            var given = (string?)ObjectMeta.Metadata(patched)["resourceVersion"];
            if (given is not null && given != current.ModRevision.ToString(CultureInfo.InvariantCulture))
            {
                throw StaleConflict(path);
            }

            var updated = Updated(path, currentObject, patched);
            if (dryRun)
            {
                ObjectMeta.SetResourceVersion(updated, current.ModRevision);
                return ApiResult.Ok(updated);
            }

            var revision = await _store.UpdateAsync(key, updated, current.ModRevision, ct).ConfigureAwait(false);
            if (revision is { } written)
            {
                ObjectMeta.SetResourceVersion(updated, written);
                await RemoveIfFinalizedAsync(key, updated, written, ct).ConfigureAwait(false);
                return ApiResult.Ok(StoredViews.ToServed(path.Resource, updated));
            }

            if (attempt == PatchAttempts)
            {
                throw StaleConflict(path);
            }
        }
    }

    /// <summary>
    /// The object to store for an update: identity from the stored object; through the status subresource only the
    /// status changes, through the main resource everything but the status; generation counts spec changes.
    /// </summary>
    private static JsonObject Updated(ApiPath path, JsonObject current, JsonObject candidate)
    {
        var hasStatus = path.Resource.Subresources.Any(s => s.Name == "status");
        JsonObject result;
        if (path.Subresource == "status")
        {
            result = (JsonObject)current.DeepClone();
            result["status"] = candidate["status"]?.DeepClone();
        }
        else
        {
            result = (JsonObject)candidate.DeepClone();
            if (hasStatus)
            {
                result["status"] = current["status"]?.DeepClone();
            }
        }

        var metadata = ObjectMeta.Metadata(result);
        var stored = ObjectMeta.Metadata(current);
        foreach (var field in new[] { "uid", "creationTimestamp", "name", "namespace", "generation", "deletionTimestamp", "deletionGracePeriodSeconds" })
        {
            metadata[field] = stored[field]?.DeepClone();
        }

        if (path.Resource.TracksGeneration && !JsonNode.DeepEquals(current["spec"], result["spec"]))
        {
            metadata["generation"] = ((long?)stored["generation"] ?? 1) + 1;
        }

        metadata.Remove("resourceVersion");
        var storage = StoredViews.Storage(path.Resource);
        result["kind"] = storage.Kind;
        result["apiVersion"] = storage.GroupVersion;
        return result;
    }

    /// <summary>Removing the last finalizer of an object whose deletion is due completes the deletion.</summary>
    private async Task RemoveIfFinalizedAsync(string key, JsonObject updated, long revision, CancellationToken ct)
    {
        if (Deleter.ShouldRemoveAfterUpdate(updated))
        {
            await _store.DeleteAsync(key, revision, ct).ConfigureAwait(false);
        }
    }

    private static ApiStatus StaleConflict(ApiPath path) =>
        ApiStatus.Conflict(path.Resource, path.Name!, "the object has been modified; please apply your changes to the latest version and try again");

    private async Task<ApiResult> DeleteAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var options = await DeleteOptions.ReadAsync(context.Request, ct).ConfigureAwait(false);
        var deleted = await _deleter.DeleteAsync(path.Resource, path.Namespace, path.Name!, options, ct).ConfigureAwait(false);
        return ApiResult.Ok(StoredViews.ToServed(path.Resource, deleted));
    }

    internal static JsonObject Read(RegistryEntry stored)
    {
        var obj = JsonNode.Parse(stored.Value)?.AsObject() ?? throw new JsonException($"{stored.Key} holds no JSON object");
        ObjectMeta.SetResourceVersion(obj, stored.ModRevision);
        return obj;
    }

    private static async Task<JsonObject> BodyAsync(HttpContext context, CancellationToken ct)
    {
        var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: ct).ConfigureAwait(false);
        return node as JsonObject ?? throw ApiStatus.BadRequest("the request body must be a JSON object");
    }
}
