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
    private readonly NodeAgent.FilesEndpoint _files;
    private readonly RequestMetrics _metrics = new();
    private readonly Controllers.BudgetMetrics? _budgets;
    private readonly SimEtcd? _etcd;

    public ApiHandler(
        RegistryStore store, Cluster.ServedVersion version, TimeProvider time, SimTimings timings, SimEtcd? etcd = null, string? directory = null,
        ListCache? lists = null, Controllers.BudgetMetrics? budgets = null, Pki.NodePki? pki = null)
    {
        _budgets = budgets;
        _etcd = etcd;
        _store = store;
        _version = version;
        _verbs = new ResourceVerbs(store, time, timings.EffectiveBookmarkInterval, lists);
        var agent = new NodeAgent.NodeAgent(store, version, timings, time, etcd, directory, pki);
        _exec = new NodeAgent.ExecEndpoint(agent);
        _files = new NodeAgent.FilesEndpoint(agent);
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

    /// <summary>Why the sim's own members cannot serve (fewer running than a quorum), or null while they can or the etcd is not the sim's.</summary>
    private string? NoQuorum()
    {
        if (_etcd is not { Members.Count: > 0 } etcd)
        {
            return null;
        }

        var running = etcd.Members.Count(m => m.Running);
        return running >= etcd.Quorum ? null : $"no quorum: {running} of {etcd.Members.Count} members running, {etcd.Quorum} needed";
    }

    /// <summary>POST /sim/v1/nodes/{node}/etcd {"action": "stop"|"start"|"corrupt"}: the node's member process (and for corrupt its data), without the store (a quorum may be lost).</summary>
    private async Task<ApiResult> EtcdFaultAsync(HttpContext context, string node)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        var action = (string?)body?["action"];
        if (!HttpMethods.IsPost(context.Request.Method) || action is not ("stop" or "start" or "corrupt"))
        {
            throw ApiStatus.BadRequest("POST {\"action\": \"stop\"}, {\"action\": \"start\"} or {\"action\": \"corrupt\"}");
        }

        if (_etcd?.On(node) is not { } member)
        {
            throw new ApiStatus(404, "NotFound", $"node/{node} runs no etcd member of this sim (only control-plane nodes of a sim that started its own etcd do)");
        }

        if (action == "stop")
        {
            await _etcd.StopAsync(node).ConfigureAwait(false);
        }
        else if (action == "corrupt")
        {
            await _etcd.CorruptAsync(node).ConfigureAwait(false);
        }
        else
        {
            try
            {
                await _etcd.StartAsync(node, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Errors.PitcrewException e)
            {
                throw new ApiStatus(500, "InternalError", $"etcd member {node} did not start: {e.Message}");
            }
        }

        var running = _etcd.Members.Count(m => m.Running);
        var quorum = running >= _etcd.Quorum ? "quorum holds" : "quorum lost: the API server answers 503 until a member is back";
        return ApiResult.Ok(new JsonObject
        {
            ["node"] = node,
            ["running"] = member.Running,
            ["message"] = $"node/{node}: etcd member {(member.Running ? "running" : action == "corrupt" ? "stopped, its data dir corrupted" : "stopped")} ({running} of {_etcd.Members.Count} members running, {quorum})",
        });
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
            case ["sim", "v1", "nodes", var node, "files"]:
                return await _files.HandleAsync(context, node).ConfigureAwait(false);
            case ["sim", "v1", "nodes", var node, "etcd"]:
                return await EtcdFaultAsync(context, node).ConfigureAwait(false);
            case ["healthz" or "livez" or "readyz"]:
                return NoQuorum() is { } down ? new ApiResult(503, JsonValue.Create($"[-]etcd failed: {down}"), "text/plain")
                    : new ApiResult(200, JsonValue.Create("ok"), "text/plain");
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
            case ["api", _, ..] or ["apis", _, _, ..] when NoQuorum() is { } lost:
                // Discovery comes from memory, as kube-apiserver's; resources answer what it answers once its etcd requests
                // time out, without making the client wait for that.
                throw ApiStatus.Unavailable($"etcd is unavailable: {lost}");
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
