using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>get, list, create, update and delete on any catalogued resource, against the etcd store.</summary>
internal sealed class ResourceVerbs
{
    private const long MaxPageRead = 1_000;

    /// <summary>An unfiltered page up to this size is read at once, so that its metadata is known before its items are written.</summary>
    private const long MaxWholePage = 5_000;
    private const int FlushBytes = 256 * 1024;
    private const int PatchAttempts = 5;

    private readonly RegistryStore _store;
    private readonly ListCache? _lists;
    private readonly TimeProvider _time;
    private readonly WatchStream _watch;
    private readonly Deleter _deleter;
    private readonly Evictor _evictor;
    private readonly MetricsApi _metrics;
    private readonly ScaleSubresource _scale;

    public ResourceVerbs(RegistryStore store, TimeProvider time, TimeSpan bookmarkInterval, ListCache? lists = null)
    {
        _store = store;
        _lists = lists;
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
            ("GET", null) => ListAsync(context, path, ct),
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

    private async Task<ApiResult> ListAsync(HttpContext context, ApiPath path, CancellationToken ct)
    {
        var query = context.Request.Query;
        if (query.ContainsKey("sendInitialEvents"))
        {
            throw ApiStatus.Invalid("ListOptions.meta.k8s.io", string.Empty, [FieldError.Forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")]);
        }

        var selectors = Selectors.Parse(query["labelSelector"], query["fieldSelector"], path.Resource);
        var required = ServedJson.RequiredValues(query["labelSelector"], query["fieldSelector"]);
        var limit = long.TryParse(query["limit"], CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 0;
        var prefix = path.Namespace is null ? path.Resource.KeyPrefix : $"{path.Resource.KeyPrefix}{path.Namespace}/";
        long revision = 0;
        string? start = null;
        if (query["continue"] is [{ Length: > 0 } token])
        {
            var (rv, after) = ContinueToken.Decode(token);
            revision = rv;
            start = path.Resource.KeyPrefix + after;
        }

        // The first read comes before any byte is sent, so that a failure is still answered with a Status.
        var page = await ReadAsync(prefix, start, ChunkSize(limit, 0, selectors.IsEmpty), revision, ct).ConfigureAwait(false);
        revision = revision == 0 ? page.Revision : revision;

        // Then the list is streamed as it is read, so that listing 30,000 pods holds one chunk in memory rather than all of
        // them twice. Metadata comes first, as kube-apiserver writes it (clients may ask for the next page as soon as they
        // read the continue token), whenever the first read already decides it: a whole list, or an unfiltered page the
        // read covered. A filtered page learns where it ends only at its end, and says so last.
        var table = Tables.Wanted(context.Request.Headers.Accept.ToString());
        var (columns, cells) = table ? Tables.Shape(path.Resource, _time.GetUtcNow()) : ([], _ => []);
        string? includeObject = query["includeObject"];
        var asStored = !table && selectors.IsEmpty && ReferenceEquals(StoredViews.Storage(path.Resource), path.Resource);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = QueryFlags.Pretty(context.Request) });
        writer.WriteStartObject();
        writer.WriteString("kind", table ? "Table" : path.Resource.Kind + "List");
        writer.WriteString("apiVersion", table ? "meta.k8s.io/v1" : path.Resource.GroupVersion);
        if (table)
        {
            writer.WritePropertyName("columnDefinitions");
            new JsonArray([.. columns.Select(c => (JsonNode?)c.DeepClone())]).WriteTo(writer);
        }

        var upFront = limit == 0 || (selectors.IsEmpty && page.Items.Count <= limit && (page.Items.Count == limit || !page.More));
        if (upFront)
        {
            // A whole list (no limit) is read in chunks but answered in one response: it has no next page.
            var last = limit > 0 && page.More && page.Items.Count > 0 ? page.Items[^1].Key : null;
            WriteListMetadata(writer, path, revision, last, page.Remaining, selectors.IsEmpty);
        }

        writer.WritePropertyName(table ? "rows" : "items");
        writer.WriteStartArray();
        long count = 0;
        string? lastKey = null;
        var more = false;
        long remaining = 0;
        while (true)
        {
            var consumed = 0;
            foreach (var stored in page.Items)
            {
                if (limit > 0 && count == limit)
                {
                    more = true;
                    remaining = page.Items.Count + page.Remaining - consumed;
                    break;
                }

                consumed++;
                lastKey = stored.Key;
                if (!ServedJson.MayMatch(stored.Value, required))
                {
                    continue;
                }

                // Served as stored: the stored bytes with the resourceVersion spliced in, neither parsed nor re-serialised.
                if (asStored && ServedJson.WithResourceVersion(stored.Value, stored.ModRevision) is { } served)
                {
                    count++;
                    writer.WriteRawValue(served, skipInputValidation: true);
                }
                else
                {
                    var obj = Read(stored);
                    if (!selectors.Matches(obj))
                    {
                        continue;
                    }

                    count++;
                    obj = StoredViews.ToServed(path.Resource, obj);
                    ApiJson.Write(writer, table ? Tables.Row(cells, obj, includeObject) : obj);
                }

                if (writer.BytesPending > FlushBytes)
                {
                    await writer.FlushAsync(ct).ConfigureAwait(false);
                }
            }

            if (!more && limit > 0 && count == limit && page.More)
            {
                // The limit is filled at the end of a read and etcd has more: no need to read one more key to know.
                more = true;
                remaining = page.Remaining;
            }

            if (more || !page.More)
            {
                break;
            }

            // Selectors may filter some out: keep reading until the limit is filled.
            start = page.Items[^1].Key + "\0";
            page = await ReadAsync(prefix, start, ChunkSize(limit, count, selectors.IsEmpty), revision, ct).ConfigureAwait(false);
        }

        writer.WriteEndArray();
        if (!upFront)
        {
            WriteListMetadata(writer, path, revision, more ? lastKey : null, remaining, selectors.IsEmpty);
        }

        writer.WriteEndObject();
        await writer.FlushAsync(ct).ConfigureAwait(false);
        return ApiResult.Streamed;
    }

    /// <summary>The list's metadata: its revision, and where the next page starts when there is one.</summary>
    private static void WriteListMetadata(Utf8JsonWriter writer, ApiPath path, long revision, string? lastKey, long remaining, bool unfiltered)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (lastKey is not null)
        {
            metadata["continue"] = ContinueToken.Encode(revision, lastKey[path.Resource.KeyPrefix.Length..]);
            if (unfiltered && remaining > 0)
            {
                metadata["remainingItemCount"] = remaining;
            }
        }

        writer.WritePropertyName("metadata");
        metadata.WriteTo(writer);
    }

    /// <summary>A range read for a list: from the list cache when it can answer, else from etcd.</summary>
    /// <remarks>A continuation whose revision etcd has compacted (and the cache no longer holds) is 410 Expired, as from kube-apiserver.</remarks>
    private async Task<StoredPage> ReadAsync(string prefix, string? start, long limit, long revision, CancellationToken ct)
    {
        if (_lists is not null && await _lists.TryListAsync(prefix, start, limit, revision, ct).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        try
        {
            return await _store.ListAsync(prefix, start, limit, revision, ct).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e) when (revision != 0 && e.StatusCode == Grpc.Core.StatusCode.OutOfRange)
        {
            throw new ApiStatus(410, "Expired",
                "The provided continue parameter is too old to display a consistent list result: its revision has been compacted. Start a new list without the continue parameter.");
        }
    }

    /// <summary>
    /// How many keys to read next, at most a chunk: what the limit still wants (etcd says whether more follow), twice that
    /// when selectors filter; an unfiltered page of a usual size in one read.
    /// </summary>
    private static long ChunkSize(long limit, long count, bool unfiltered) =>
        limit == 0 ? MaxPageRead : Math.Min(unfiltered && limit <= MaxWholePage ? limit : MaxPageRead, Math.Max(limit - count, 1) * (unfiltered ? 1 : 2));

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

    private static JsonObject Read(RegistryEntry stored)
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
