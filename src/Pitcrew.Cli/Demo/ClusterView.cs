using System.Text.Json.Nodes;
using Pitcrew.Sim;
using Spectre.Console;

namespace Pitcrew.Cli.Demo;

/// <summary>What the demo shows of the simulated cluster: nodes, pods and budgets, read through its API.</summary>
internal sealed class ClusterView(SimClient client, TimeProvider time)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public async Task WaitForPodsAsync(CancellationToken cancellationToken)
    {
        await UntilAsync(async () =>
        {
            var pods = Items(await client.GetAsync("/api/v1/pods", cancellationToken).ConfigureAwait(false));
            if (pods.Count == 0 || !pods.All(p => (string?)p["status"]?["phase"] == "Running" && Condition(p, "Ready") == "True"))
            {
                return false;
            }

            // The budgets shown next must have counted those pods: their status is behind the pods on a busy machine.
            var budgets = Items(await client.GetAsync("/apis/policy/v1/poddisruptionbudgets", cancellationToken).ConfigureAwait(false));
            return budgets.All(Settled);
        }, "the demo pods to run and be counted by their budgets", cancellationToken).ConfigureAwait(false);
    }

    public Task WaitForNodeAsync(string node, string readyStatus, CancellationToken cancellationToken) =>
        UntilAsync(async () => Ready(await client.GetAsync($"/api/v1/nodes/{node}", cancellationToken).ConfigureAwait(false)) == readyStatus,
            $"node/{node} to report Ready={readyStatus}", cancellationToken);

    public async Task ShowAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        await ShowNodesAsync(console, cancellationToken).ConfigureAwait(false);
        var pods = Items(await client.GetAsync("/api/v1/pods", cancellationToken).ConfigureAwait(false));
        var table = new Table().Border(TableBorder.Ascii).AddColumns("NAMESPACE", "POD", "STATUS", "NODE");
        foreach (var pod in pods)
        {
            table.AddRow(Text(pod["metadata"]?["namespace"]), Text(pod["metadata"]?["name"]), Text(pod["status"]?["phase"]), Text(pod["spec"]?["nodeName"]));
        }

        console.Write(table);
        var budgets = Items(await client.GetAsync("/apis/policy/v1/poddisruptionbudgets", cancellationToken).ConfigureAwait(false));
        var pdbs = new Table().Border(TableBorder.Ascii).AddColumns("NAMESPACE", "PDB", "HEALTHY", "DESIRED", "ALLOWED DISRUPTIONS");
        foreach (var pdb in budgets)
        {
            pdbs.AddRow(Text(pdb["metadata"]?["namespace"]), Text(pdb["metadata"]?["name"]), Text(pdb["status"]?["currentHealthy"]),
                Text(pdb["status"]?["desiredHealthy"]), Text(pdb["status"]?["disruptionsAllowed"]));
        }

        console.Write(pdbs);
    }

    public async Task ShowNodesAsync(IAnsiConsole console, CancellationToken cancellationToken)
    {
        var nodes = Items(await client.GetAsync("/api/v1/nodes", cancellationToken).ConfigureAwait(false));
        var table = new Table().Border(TableBorder.Ascii).AddColumns("NODE", "READY", "TAINTS", "VERSION");
        foreach (var node in nodes)
        {
            var taints = (node["spec"]?["taints"] as JsonArray)?.OfType<JsonObject>().Select(t => $"{(string?)t["key"]}:{(string?)t["effect"]}") ?? [];
            table.AddRow(Text(node["metadata"]?["name"]), Markup.Escape(Ready(node)), Markup.Escape(string.Join(", ", taints)),
                Text(node["status"]?["nodeInfo"]?["kubeletVersion"]));
        }

        console.Write(table);
    }

    private async Task UntilAsync(Func<Task<bool>> condition, string what, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (!await condition().ConfigureAwait(false))
        {
            if (time.GetElapsedTime(started) > Patience)
            {
                throw new PitcrewException($"gave up waiting for {what} after {Patience.TotalSeconds:0} s", ExitCodes.Failed);
            }

            await Task.Delay(Poll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Ready(JsonObject node) => Condition(node, "Ready") ?? "Unknown";

    private static string? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == type)?["status"]?.GetValue<string>();

    /// <summary>Whether a budget's status has observed its current spec and counts every pod it expects as healthy.</summary>
    private static bool Settled(JsonObject pdb)
    {
        var generation = (long?)pdb["metadata"]?["generation"] ?? 0;
        var observed = (long?)pdb["status"]?["observedGeneration"];
        var expected = (int?)pdb["status"]?["expectedPods"];
        return observed >= generation && expected is not null && (int?)pdb["status"]?["currentHealthy"] == expected;
    }

    private static List<JsonObject> Items(JsonObject list) => [.. (list["items"] as JsonArray)?.OfType<JsonObject>() ?? []];

    private static string Text(JsonNode? value) => Markup.Escape(value?.ToString() ?? "-");
}
