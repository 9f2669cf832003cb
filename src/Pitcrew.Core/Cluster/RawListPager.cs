using System.Buffers;
using System.Net;
using System.Text.Json;
using k8s;

namespace Pitcrew.Cluster;

/// <summary>Reads one list item from a reader positioned on its StartObject, leaving the reader on its EndObject.</summary>
internal delegate T ListItemReader<out T>(ref Utf8JsonReader reader, StringPool pool);

/// <summary>
/// Lists a collection page by page through the official client's HttpClient and credentials, reading each page's JSON
/// straight into small records. At 150,000 pods the client's full models cost more CPU than everything else the doctor
/// does; this keeps only what a reader asks for. The next page is requested as soon as a page's metadata.continue is
/// read (the API server writes metadata before items), so the server's work overlaps the reading of the page before.
/// </summary>
internal sealed class RawListPager(Kubernetes client)
{
    /// <summary>Page buffers, kept across pages and lists (a page of pods is a few MB; fresh ones are zeroed on every use).</summary>
    private static readonly ArrayPool<byte> Pages = ArrayPool<byte>.Create(maxArrayLength: 256 * 1024 * 1024, maxArraysPerBucket: 4);

    /// <summary>Lists PATH (e.g. "api/v1/pods"), PAGESIZE items a request.</summary>
    /// <param name="what">Named in errors: "pods", "pods in namespace x".</param>
    public async Task<IReadOnlyList<T>> ListAsync<T>(string what, string path, int pageSize, ListItemReader<T> read, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        var pool = new StringPool();
        var page = FetchAsync(what, Query(path, pageSize, null), cancellationToken);
        while (page is not null)
        {
            var (body, length) = await page.ConfigureAwait(false);
            page = null;
            try
            {
                Read(body.AsMemory(0, length), all, pool, read,
                    next => page = string.IsNullOrEmpty(next) ? null : FetchAsync(what, Query(path, pageSize, next), cancellationToken));
            }
            finally
            {
                Pages.Return(body);
            }
        }

        return all;
    }

    private static string Query(string path, int pageSize, string? next) =>
        next is null ? $"{path}?limit={pageSize}" : $"{path}?limit={pageSize}&continue={Uri.EscapeDataString(next)}";

    /// <summary>
    /// One page's body, whole (the reader needs it complete to skip what it does not keep), in a pooled buffer the caller
    /// returns: a page of pods is a few MB, and a fresh array for each of 75 pages was page faults and copying.
    /// </summary>
    private async Task<(byte[] Body, int Length)> FetchAsync(string what, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(client.BaseUri, pathAndQuery));
        request.Headers.Accept.ParseAdd("application/json");
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        var (body, length) = await ReadPooledAsync(response.Content, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return (body, length);
        }

        var message = StatusMessage(body.AsSpan(0, length).ToArray()) ?? response.ReasonPhrase ?? response.StatusCode.ToString();
        Pages.Return(body);
        throw response.StatusCode switch
        {
            HttpStatusCode.Forbidden => new Doctor.NotAuthorizedException(what, message),
            HttpStatusCode.Unauthorized => new ServerErrorException($"Error from server (Unauthorized): listing {what}: {message}", ExitCodes.TlsOrAuth),
            _ => new ServerErrorException($"Error from server ({response.StatusCode}): listing {what}: {message}", ExitCodes.Failed),
        };
    }

    private static async Task<(byte[] Body, int Length)> ReadPooledAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = Pages.Rent((int)Math.Clamp(content.Headers.ContentLength ?? 0, 64 * 1024, 64 * 1024 * 1024) + 1);
        var length = 0;
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                int read;
                while ((read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    length += read;
                    if (length == buffer.Length)
                    {
                        var larger = Pages.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        Pages.Return(buffer);
                        buffer = larger;
                    }
                }
            }

            return (buffer, length);
        }
        catch
        {
            Pages.Return(buffer);
            throw;
        }
    }

    /// <summary>The message of a Status body, when the body is one.</summary>
    internal static string? StatusMessage(byte[] body)
    {
        try
        {
            using var status = JsonDocument.Parse(body);
            return status.RootElement.ValueKind == JsonValueKind.Object && status.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads one page: hands metadata.continue to <paramref name="onContinue"/> as soon as it is seen, then the items.</summary>
    internal static void Read<T>(ReadOnlyMemory<byte> body, List<T> into, StringPool pool, ListItemReader<T> read, Action<string?> onContinue)
    {
        var reader = new Utf8JsonReader(body.Span, new JsonReaderOptions { MaxDepth = 128 });
        var continued = false;
        try
        {
            Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "a list object");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("metadata"u8))
                {
                    reader.Read();
                    onContinue(ContinueToken(ref reader));
                    continued = true;
                }
                else if (reader.ValueTextEquals("items"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    Expect(reader.TokenType == JsonTokenType.StartArray, "items as an array");
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        into.Add(read(ref reader, pool));
                    }

                    Expect(reader.TokenType == JsonTokenType.EndArray, "the end of items");
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException e)
        {
            throw new PitcrewException($"the API server sent a list that is not valid JSON: {e.Message}", ExitCodes.Failed, e);
        }

        if (!continued)
        {
            onContinue(null);
        }
    }

    private static string? ContinueToken(ref Utf8JsonReader reader)
    {
        string? token = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isContinue = reader.ValueTextEquals("continue"u8);
            reader.Read();
            if (isContinue && reader.TokenType == JsonTokenType.String)
            {
                token = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return token;
    }

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new JsonException($"expected {what}");
        }
    }
}
