using Pitcrew.Errors;

namespace Pitcrew.Sim.Tests;

/// <summary>The seed's failure table injected with sim fault, observed through the real kubectl.</summary>
public sealed class FaultTests(FastSimulatorFixture sim) : IClassFixture<FastSimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KubeletStop_MakesTheNodeNotReadyAndUnreachable_AndKubeletStartBringsItBack()
    {
        using var client = SimClient.Open(sim.Directory);
        Assert.Equal(["kubelet-stop"], await client.SetFaultAsync("worker-2", "kubelet-stop", Token));
        await UntilAsync(async () => (await Status("worker-2")).StartsWith("NotReady", StringComparison.Ordinal));
        var taints = await sim.KubectlAsync("get", "node", "worker-2", "-o", "jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}");
        Assert.Contains("node.kubernetes.io/unreachable:NoSchedule", taints.Stdout, StringComparison.Ordinal);
        Assert.Contains("node.kubernetes.io/unreachable:NoExecute", taints.Stdout, StringComparison.Ordinal);
        var reason = await sim.KubectlAsync("get", "node", "worker-2", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}");
        Assert.Equal("Kubelet stopped posting node status.", reason.Stdout);

        Assert.Empty(await client.SetFaultAsync("worker-2", "kubelet-start", Token));
        await UntilAsync(async () => await Status("worker-2") == "Ready");
        taints = await sim.KubectlAsync("get", "node", "worker-2", "-o", "jsonpath={.spec.taints}");
        Assert.DoesNotContain("unreachable", taints.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DiskPressure_ShowsInConditionsWithItsTaint_UntilCleared()
    {
        using var client = SimClient.Open(sim.Directory);
        await client.SetFaultAsync("worker-3", "disk-pressure", Token);
        const string Condition = "jsonpath={.status.conditions[?(@.type==\"DiskPressure\")].status}:{.status.conditions[?(@.type==\"DiskPressure\")].reason}";
        await UntilAsync(async () => (await sim.KubectlAsync("get", "node", "worker-3", "-o", Condition)).Stdout == "True:KubeletHasDiskPressure");
        var taints = await sim.KubectlAsync("get", "node", "worker-3", "-o", "jsonpath={.spec.taints[*].key}");
        Assert.Contains("node.kubernetes.io/disk-pressure", taints.Stdout, StringComparison.Ordinal);

        await client.SetFaultAsync("worker-3", "clear", Token);
        await UntilAsync(async () => (await sim.KubectlAsync("get", "node", "worker-3", "-o", Condition)).Stdout == "False:KubeletHasNoDiskPressure");
    }

    [Fact]
    public async Task UnknownFaultOrNode_IsAClearError()
    {
        using var client = SimClient.Open(sim.Directory);
        var unknown = await Assert.ThrowsAsync<PitcrewException>(() => client.SetFaultAsync("worker-1", "meltdown", Token));
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("kubelet-stop", unknown.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<PitcrewException>(() => client.SetFaultAsync("worker-9", "kubelet-stop", Token));
        Assert.Equal("node/worker-9 not found", missing.Message);
    }

    [Fact]
    public async Task PeriodicCompaction_ExpiresOldWatchVersions()
    {
        using var client = sim.AdminClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Bound);
        while (true)
        {
            // Leases renew every 0.5 s, so history moves on; after two compaction periods revision 1 is gone.
            var body = await client.GetStringAsync("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=1", timeout.Token);
            if (body.Contains("\"code\":410", StringComparison.Ordinal))
            {
                Assert.Contains("too old resource version: 1", body, StringComparison.Ordinal);
                return;
            }

            await Task.Delay(500, timeout.Token);
        }
    }

    private async Task<string> Status(string node)
    {
        var (_, stdout, _) = await sim.KubectlAsync("get", "node", node, "--no-headers");
        var columns = stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return columns.Length > 1 ? columns[1] : string.Empty;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Token);
        timeout.CancelAfter(Bound);
        while (!await condition())
        {
            await Task.Delay(250, timeout.Token);
        }
    }
}
