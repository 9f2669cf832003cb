using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>
/// A watch as kube-apiserver serves it: line-delimited JSON events (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) streamed
/// from an etcd watch, starting after the given resourceVersion, or with the current state first when none is given or
/// sendInitialEvents asks for it. With allowWatchBookmarks, a BOOKMARK carries the progress etcd reports every interval.
/// </summary>
internal sealed class WatchStream(RegistryStore store, TimeProvider time, TimeSpan bookmarkInterval)
{
    /// <summary>The annotation on the bookmark that ends the initial events of a sendInitialEvents watch.</summary>
    public const string InitialEventsEndAnnotation = "k8s.io/initial-events-end";

    public async Task ServeAsync(HttpContext context, ApiPath path, CancellationToken requestAborted)
    {
        var query = context.Request.Query;
        var options = WatchOptions.Parse(query);
        var selectors = Selectors.Parse(query["labelSelector"], query["fieldSelector"], path.Resource);
        var table = Tables.Wanted(context.Request.Headers.Accept.ToString());
        var prefix = path.Namespace is null ? path.Resource.KeyPrefix : $"{path.Resource.KeyPrefix}{path.Namespace}/";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        if (long.TryParse(query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        var ct = timeout.Token;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(ct).ConfigureAwait(false);

        // Headers go out now, as kube-apiserver sends them: kubectl rollout status stops its informer only after its
        // watch call has returned, and that call waits for the headers (it cannot be cancelled).
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        try
        {
            long start;
            if (!options.InitialEvents)
            {
                start = options.ResourceVersion > 0 ? options.ResourceVersion + 1 : await store.RevisionAsync(ct).ConfigureAwait(false) + 1;
            }
            else
            {
                // The current state first, as ADDED events, then changes after it.
                var page = await store.ListAsync(prefix, null, 0, 0, ct).ConfigureAwait(false);
                foreach (var stored in page.Items)
                {
                    var obj = Parse(stored.Value, stored.ModRevision);
                    if (selectors.Matches(obj))
                    {
                        await SendAsync(context, "ADDED", obj, path, table, ct).ConfigureAwait(false);
                    }
                }

                if (options is { SendInitialEvents: true, AllowBookmarks: true })
                {
                    await SendBookmarkAsync(context, path, page.Revision, initialEventsEnd: true, ct).ConfigureAwait(false);
                }

                start = page.Revision + 1;
            }

            var sent = start - 1;
            var progress = options.AllowBookmarks ? bookmarkInterval : (TimeSpan?)null;
            await foreach (var change in store.WatchAsync(prefix, start, ct, progress, time).ConfigureAwait(false))
            {
                if (change.Progress)
                {
                    sent = Math.Max(sent, change.ModRevision);
                    await SendBookmarkAsync(context, path, sent, initialEventsEnd: false, ct).ConfigureAwait(false);
                    continue;
                }

                sent = change.ModRevision;
                var (type, obj) = Classify(change, selectors);
                if (type is not null)
                {
                    await SendAsync(context, type, obj!, path, table, ct).ConfigureAwait(false);
                }
            }
        }
        catch (RevisionCompactedException compacted)
        {
            // Say it in the client's terms: the version it asked to watch after, and the compacted revision.
            var asked = query["resourceVersion"].FirstOrDefault() ?? "0";
            await SendErrorAsync(context, new ApiStatus(410, "Expired", $"too old resource version: {asked} ({compacted.CompactRevision})"), ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            await SendErrorAsync(context, ApiStatus.Unavailable($"etcd is unavailable: {e.Status.Detail}"), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && ct.IsCancellationRequested)
        {
            // The client went away or timeoutSeconds passed (gRPC says so with Cancelled): the stream simply ends.
        }
    }

    /// <summary>What a change looks like through the selectors: leaving them is a DELETED, entering them an ADDED.</summary>
    private static (string? Type, JsonObject? Object) Classify(StoreEvent change, Selectors selectors)
    {
        var before = change.Previous is null ? null : Parse(change.Previous, change.ModRevision);
        var wasIn = before is not null && selectors.Matches(before);
        if (change.Deleted)
        {
            var gone = before ?? Parse(change.Value, change.ModRevision);
            return wasIn || (before is null && selectors.Matches(gone)) ? ("DELETED", gone) : (null, null);
        }

        var after = Parse(change.Value, change.ModRevision);
        var isIn = selectors.Matches(after);
        return (change.Created || before is null, wasIn, isIn) switch
        {
            (true, _, true) => ("ADDED", after),
            (false, true, true) => ("MODIFIED", after),
            (false, false, true) => ("ADDED", after),
            (false, true, false) => ("DELETED", after),
            _ => (null, null),
        };
    }

    private async Task SendAsync(HttpContext context, string type, JsonObject obj, ApiPath path, bool table, CancellationToken ct)
    {
        JsonNode payload = StoredViews.ToServed(path.Resource, obj);
        if (table)
        {
            var metadata = new JsonObject { ["resourceVersion"] = ObjectMeta.Metadata(obj)["resourceVersion"]?.DeepClone() };
            payload = Tables.Build(path.Resource, [(JsonObject)payload], metadata, context.Request.Query["includeObject"], time.GetUtcNow());
        }

        await WriteLineAsync(context, new JsonObject { ["type"] = type, ["object"] = payload }, ct).ConfigureAwait(false);
    }

    /// <summary>A BOOKMARK: an object of the watched kind with only its resourceVersion (and the initial-events-end mark).</summary>
    private static Task SendBookmarkAsync(HttpContext context, ApiPath path, long revision, bool initialEventsEnd, CancellationToken ct)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { [InitialEventsEndAnnotation] = "true" };
        }

        var bookmark = new JsonObject { ["kind"] = path.Resource.Kind, ["apiVersion"] = path.Resource.GroupVersion, ["metadata"] = metadata };
        return WriteLineAsync(context, new JsonObject { ["type"] = "BOOKMARK", ["object"] = bookmark }, ct);
    }

    private static Task SendErrorAsync(HttpContext context, ApiStatus status, CancellationToken ct) =>
        WriteLineAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = status.ToJson() }, ct);

    private static async Task WriteLineAsync(HttpContext context, JsonObject line, CancellationToken ct)
    {
        var bytes = ApiJson.Encode(line);
        await context.Response.Body.WriteAsync(bytes, ct).ConfigureAwait(false);
        await context.Response.Body.WriteAsync("\n"u8.ToArray(), ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static JsonObject Parse(byte[] value, long revision)
    {
        var obj = JsonNode.Parse(value)!.AsObject();
        ObjectMeta.SetResourceVersion(obj, revision);
        return obj;
    }
}
