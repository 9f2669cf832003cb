using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.Api;

/// <summary>Routes every request: version, discovery, then resource verbs on the etcd-backed store.</summary>
internal sealed class ApiHandler
{
    private readonly RegistryStore _store;
    private readonly ResourceVerbs _verbs;
    private readonly Cluster.ServedVersion _version;
    private readonly NodeAgent.ExecEndpoint _exec;
    private readonly RequestMetrics _metrics = new();
    private readonly Controllers.BudgetMetrics? _budgets;

    public ApiHandler(
        RegistryStore store, Cluster.ServedVersion version, TimeProvider time, SimTimings timings, Pitcrew.Etcd.LocalEtcd? etcd = null, string? directory = null,
        ListCache? lists = null, Controllers.BudgetMetrics? budgets = null)
    {
        _budgets = budgets;
        _store = store;
        _version = version;
        _verbs = new ResourceVerbs(store, time, timings.EffectiveBookmarkInterval, lists);
        _exec = new NodeAgent.ExecEndpoint(new NodeAgent.NodeAgent(store, version, timings, time, etcd, directory));
    }

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            if (context.Connection.ClientCertificate is null)
            {
                throw ApiStatus.Unauthorized();
            }

            var result = await RouteAsync(context).ConfigureAwait(false);
            if (!ReferenceEquals(result, ApiResult.Streamed))
            {
                await WriteAsync(context, result.Code, result.Body, result.ContentType).ConfigureAwait(false);
            }
        }
        catch (ApiStatus status)
        {
            if (status.RetryAfterSeconds > 0)
            {
                context.Response.Headers.RetryAfter = status.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await WriteAsync(context, status.Code, status.ToJson(), null).ConfigureAwait(false);
        }
        catch (RpcException) when (context.Response.HasStarted)
        {
            // etcd went away in the middle of a streamed list: the status line is gone, so cut the response short.
            context.Abort();
        }
        catch (RpcException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // etcd is down or restarting: clients get a Status error, the server keeps running.
            var status = ApiStatus.Unavailable($"etcd is unavailable: {e.Status.Detail}");
            await WriteAsync(context, status.Code, status.ToJson(), null).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            var status = ApiStatus.BadRequest($"the body of the request could not be decoded: {e.Message}");
            await WriteAsync(context, status.Code, status.ToJson(), null).ConfigureAwait(false);
        }
    }

    private async Task<ApiResult> RouteAsync(HttpContext context)
    {
        var segments = context.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var accept = context.Request.Headers.Accept.ToString();
        switch (segments)
        {
            case ["version"]:
                return ApiResult.Ok(_version.Current.ToJson());
            case ["sim", "v1", "nodes", var node, "exec"]:
                await _exec.HandleAsync(context, node).ConfigureAwait(false);
                return ApiResult.Streamed;
            case ["healthz" or "livez" or "readyz"]:
                return new ApiResult(200, JsonValue.Create("ok"), "text/plain");
            case ["metrics"]:
                return new ApiResult(200, JsonValue.Create(_metrics.Render() + _budgets?.Render()), "text/plain");
            case ["api"]:
                return Discovery.WantsAggregated(accept)
                    ? new ApiResult(200, Discovery.Aggregated(core: true), Discovery.AggregatedContentType)
                    : ApiResult.Ok(Discovery.LegacyCoreVersions(context.Request.Host.Value!));
            case ["apis"]:
                return Discovery.WantsAggregated(accept)
                    ? new ApiResult(200, Discovery.Aggregated(core: false), Discovery.AggregatedContentType)
                    : ApiResult.Ok(Discovery.LegacyGroups());
            case ["openapi", "v3"]:
                return ApiResult.Ok(OpenApi.Index());
            case ["openapi", "v3", "api", var coreVersion]:
                return ApiResult.Ok(OpenApi.GroupVersion(string.Empty, coreVersion) ?? throw ApiStatus.UnknownPath());
            case ["openapi", "v3", "apis", var openGroup, var openVersion]:
                return ApiResult.Ok(OpenApi.GroupVersion(openGroup, openVersion) ?? throw ApiStatus.UnknownPath());
            case ["api", var version]:
                return ApiResult.Ok(Discovery.ResourceList(string.Empty, version) ?? throw ApiStatus.UnknownPath());
            case ["apis", var group, var version]:
                return ApiResult.Ok(Discovery.ResourceList(group, version) ?? throw ApiStatus.UnknownPath());
            case ["api", var version, .. var rest]:
                return await ResourceAsync(context, ApiPath.Parse(string.Empty, version, rest)).ConfigureAwait(false);
            case ["apis", var group, var version, .. var rest]:
                return await ResourceAsync(context, ApiPath.Parse(group, version, rest)).ConfigureAwait(false);
            default:
                throw ApiStatus.UnknownPath();
        }
    }

    private Task<ApiResult> ResourceAsync(HttpContext context, ApiPath? path)
    {
        if (path is null)
        {
            throw ApiStatus.UnknownPath();
        }

        _metrics.Count(context.Request.Method, path, QueryFlags.IsSet(context.Request.Query, "watch"), context.Request.Headers.UserAgent.ToString());
        return _verbs.HandleAsync(context, path);
    }

    private static async Task WriteAsync(HttpContext context, int code, JsonNode? body, string? contentType)
    {
        context.Response.StatusCode = code;
        if (contentType == "text/plain")
        {
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body!.GetValue<string>(), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = contentType ?? "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = QueryFlags.Pretty(context.Request) });
        ApiJson.Write(writer, body ?? new JsonObject());
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}

/// <summary>A response: status code, JSON body and content type (JSON unless said otherwise).</summary>
internal sealed record ApiResult(int Code, JsonNode? Body, string? ContentType = null)
{
    /// <summary>The handler wrote the response itself (a watch stream).</summary>
    public static readonly ApiResult Streamed = new(200, null);

    public static ApiResult Ok(JsonNode body) => new(200, body);
}
