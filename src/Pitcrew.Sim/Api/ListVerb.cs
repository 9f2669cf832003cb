using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>list on any catalogued resource: read from the list cache or etcd in chunks and streamed as read, pages and continue tokens as kube-apiserver's.</summary>
internal sealed class ListVerb(RegistryStore store, TimeProvider time, ListCache? lists)
{
    private const long MaxPageRead = 1_000;

    /// <summary>An unfiltered page up to this size is read at once, so that its metadata is known before its items are written.</summary>
    private const long MaxWholePage = 5_000;
    private const int FlushBytes = 256 * 1024;

    public async Task<ApiResult> ListAsync(HttpContext context, ApiPath path, CancellationToken ct)
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
        var (columns, cells) = table ? Tables.Shape(path.Resource, time.GetUtcNow()) : ([], _ => []);
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
                    var obj = ResourceVerbs.Read(stored);
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
        if (lists is not null && await lists.TryListAsync(prefix, start, limit, revision, ct).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        try
        {
            return await store.ListAsync(prefix, start, limit, revision, ct).ConfigureAwait(false);
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
}
