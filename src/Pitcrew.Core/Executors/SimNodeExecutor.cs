using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Pitcrew.Executors;

/// <summary>
/// Runs commands on the simulator's nodes through its node agent: POST /sim/v1/nodes/{node}/exec on the sim's API
/// server, authenticated by the kubeconfig's client certificate, answered as NDJSON lines and a last exit code.
/// </summary>
internal sealed class SimNodeExecutor(HttpClient http, TimeProvider time, IDisposable? owner = null) : INodeExecutor
{
    /// <summary>An executor for the cluster the kubeconfig points at (which must be a Pitcrew sim), with the kubeconfig's TLS material.</summary>
    public static SimNodeExecutor Create(KubernetesClientConfiguration configuration, TimeProvider time)
    {
        var connection = Cluster.KubeHttp.Connect(configuration);
        return new SimNodeExecutor(connection.Http, time, connection);
    }

    public async Task<CommandResult> RunAsync(string node, NodeCommand command, Action<OutputLine>? output, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var collector = new OutputCollector(output);
        using var timeout = new CancellationTokenSource(command.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"sim/v1/nodes/{Uri.EscapeDataString(node)}/exec")
            {
                Content = JsonContent.Create(new JsonObject { ["command"] = command.RemoteLine(direct: false) }),
            };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new PitcrewException($"node/{node}: not found in the simulated cluster (or the cluster is not a Pitcrew sim)", ExitCodes.Failed);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new PitcrewException($"node/{node}: the sim's node agent answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false)}",
                    ExitCodes.Failed);
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false));
            while (await reader.ReadLineAsync(linked.Token).ConfigureAwait(false) is { } line)
            {
                var item = JsonNode.Parse(line);
                if (item?["exitCode"] is { } code)
                {
                    return new CommandResult(node, command.Display, (int)code, false, time.GetElapsedTime(started), collector.Lines());
                }

                collector.Add((string?)item?["stream"] == "stderr" ? OutputStream.Stderr : OutputStream.Stdout, (string?)item?["text"] ?? string.Empty);
            }

            throw new PitcrewException($"node/{node}: the sim's node agent ended without an exit code during {command.Display}", ExitCodes.Unavailable);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new CommandResult(node, command.Display, CommandResult.TimeoutExitCode, true, time.GetElapsedTime(started), collector.Lines());
        }
        catch (HttpRequestException e)
        {
            throw new PitcrewException($"node/{node}: cannot reach the sim's node agent: {e.Message}", ExitCodes.Unavailable, e);
        }
    }

    /// <summary>PUT /sim/v1/nodes/{node}/files?path=PATH with the file as the body; the agent writes it into the node's disk atomically, mode 0600.</summary>
    public async Task UploadAsync(string node, string localPath, string remotePath, Action<long>? progress, CancellationToken cancellationToken)
    {
        await using var source = File.OpenRead(localPath);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"sim/v1/nodes/{Uri.EscapeDataString(node)}/files?path={Uri.EscapeDataString(remotePath)}")
        {
            Content = new StreamContent(new ProgressStream(source, progress)),
        };
        try
        {
            using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new PitcrewException($"node/{node}: the sim's node agent refused the upload to {remotePath} ({(int)response.StatusCode}): " +
                    await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), ExitCodes.Failed);
            }
        }
        catch (HttpRequestException e)
        {
            throw new PitcrewException($"node/{node}: cannot reach the sim's node agent: {e.Message}", ExitCodes.Unavailable, e);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (owner is null)
        {
            http.Dispose();
        }
        else
        {
            owner.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
