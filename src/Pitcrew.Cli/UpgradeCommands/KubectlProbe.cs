using System.Text.Json.Nodes;
using Pitcrew.Executors;
using Pitcrew.Upgrade;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>Finds the version of the kubectl on this machine, for the kubectl skew rule.</summary>
internal static class KubectlProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>kubectl version --client's gitVersion; null when there is no kubectl or it says nothing usable.</summary>
    public static async Task<KubeVersion?> ClientVersionAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        await using var local = new LocalNodeExecutor(time);
        var result = await local.RunAsync("localhost", NodeCommand.Exec("kubectl", "version", "--client", "-o", "json") with { Timeout = Timeout }, null, cancellationToken)
            .ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return null;
        }

        try
        {
            var json = JsonNode.Parse(string.Join('\n', result.Output.Where(l => l.Stream == OutputStream.Stdout).Select(l => l.Text)));
            return KubeVersion.TryParse((string?)json?["clientVersion"]?["gitVersion"], out var version) ? version : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
