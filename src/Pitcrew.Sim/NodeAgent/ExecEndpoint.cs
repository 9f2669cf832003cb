using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Pitcrew.Executors;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// POST /sim/v1/nodes/{node}/exec on the sim's API server (same TLS and client certificates as the Kubernetes API):
/// body {"command": "shell line"}; the answer streams NDJSON, one {"stream": "stdout"|"stderr", "text": ...} per line
/// as it is printed and a last {"exitCode": N}. Closing the request stops the command.
/// </summary>
internal sealed class ExecEndpoint(NodeAgent agent)
{
    public const string ContentType = "application/x-ndjson";

    public async Task HandleAsync(HttpContext context, string node)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            throw new ApiStatus(405, "MethodNotAllowed", "exec takes POST with {\"command\": \"...\"}");
        }

        var body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        var command = (string?)body?["command"];
        if (string.IsNullOrWhiteSpace(command))
        {
            throw ApiStatus.BadRequest("exec needs {\"command\": \"...\"}");
        }

        if (!await agent.HasNodeAsync(node, context.RequestAborted).ConfigureAwait(false))
        {
            throw new ApiStatus(404, "NotFound", $"nodes \"{node}\" not found");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = ContentType;
        var lines = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
        var writer = WriteAsync(context, lines.Reader);
        try
        {
            var status = await agent.RunAsync(node, command, line => lines.Writer.TryWrite(new JsonObject
            {
                ["stream"] = line.Stream == OutputStream.Stdout ? "stdout" : "stderr",
                ["text"] = line.Text,
            }), context.RequestAborted).ConfigureAwait(false);
            lines.Writer.TryWrite(new JsonObject { ["exitCode"] = status });
        }
        finally
        {
            lines.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    private static async Task WriteAsync(HttpContext context, ChannelReader<JsonObject> lines)
    {
        await foreach (var line in lines.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
        {
            await context.Response.WriteAsync(line.ToJsonString(JsonOptions) + "\n", context.RequestAborted).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
