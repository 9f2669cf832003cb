using Microsoft.AspNetCore.Http;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// PUT /sim/v1/nodes/{node}/files?path=/ABSOLUTE/PATH on the sim's API server: the body becomes that file on the node
/// (DIR/nodes/NODE/PATH), written under a temporary name, mode 0600, fsynced and renamed into place, as an upload over
/// SFTP would leave it. Answers {"path": ..., "bytes": N}.
/// </summary>
internal sealed class FilesEndpoint(NodeAgent agent)
{
    public async Task<Api.ApiResult> HandleAsync(HttpContext context, string node)
    {
        if (!HttpMethods.IsPut(context.Request.Method))
        {
            throw new ApiStatus(405, "MethodNotAllowed", "files takes PUT ?path=/absolute/path with the file as the body");
        }

        var path = context.Request.Query["path"].ToString();
        if (path.Length == 0)
        {
            throw ApiStatus.BadRequest("files needs ?path=/absolute/path");
        }

        if (agent.Disk is not { } disk)
        {
            throw new ApiStatus(501, "NotImplemented", "this sim keeps no node files (it has no directory)");
        }

        if (!await agent.HasNodeAsync(node, context.RequestAborted).ConfigureAwait(false))
        {
            throw new ApiStatus(404, "NotFound", $"nodes \"{node}\" not found");
        }

        // Snapshots outgrow Kestrel's 30 MB default for a request body.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = null;
        }

        var bytes = await disk.WriteAsync(node, path, context.Request.Body, context.RequestAborted).ConfigureAwait(false);
        return Api.ApiResult.Ok(new JsonObject { ["path"] = path, ["bytes"] = bytes });
    }
}
