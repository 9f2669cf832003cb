using System.Text.Json;

namespace Pitcrew.Sim.Tests;

/// <summary>The real kubectl (through the machine's version dispatcher) against the simulated cluster.</summary>
public sealed class KubectlTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task GetNodes_PrintsStatusRolesAndVersionColumns()
    {
        var (code, stdout, stderr) = await sim.KubectlAsync("get", "nodes");
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$", lines[0]);
        Assert.Matches(@"^cp-1\s+Ready\s+control-plane\s+\S+\s+v1\.31\.2$", lines[1]);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public async Task Version_ReportsTheSimulatedServerVersion()
    {
        var (code, stdout, stderr) = await sim.KubectlAsync("version", "-o", "json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("v1.31.2", json.RootElement.GetProperty("serverVersion").GetProperty("gitVersion").GetString());
        Assert.StartsWith("v1.31.", json.RootElement.GetProperty("clientVersion").GetProperty("gitVersion").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateGetDelete_OfNamespacedObjects_RoundTripThroughEtcd()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "shop")).ExitCode);
        var created = await sim.KubectlAsync("-n", "shop", "create", "configmap", "settings", "--from-literal=LOG_LEVEL=debug");
        Assert.True(created.ExitCode == 0, created.Stderr);

        var (code, stdout, stderr) = await sim.KubectlAsync("-n", "shop", "get", "configmap", "settings", "-o", "json");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal("debug", json.RootElement.GetProperty("data").GetProperty("LOG_LEVEL").GetString());
        Assert.True(long.Parse(json.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);

        var again = await sim.KubectlAsync("-n", "shop", "create", "configmap", "settings");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("configmaps \"settings\" already exists", again.Stderr, StringComparison.Ordinal);

        Assert.Equal(0, (await sim.KubectlAsync("-n", "shop", "delete", "configmap", "settings")).ExitCode);
        var gone = await sim.KubectlAsync("-n", "shop", "get", "configmap", "settings");
        Assert.Contains("Error from server (NotFound): configmaps \"settings\" not found", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetNamespaces_ListsTheSystemNamespaces()
    {
        var (code, stdout, stderr) = await sim.KubectlAsync("get", "namespaces", "-o", "name");
        Assert.True(code == 0, stderr);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            Assert.Contains($"namespace/{ns}", stdout, StringComparison.Ordinal);
        }
    }
}

/// <summary>Node maintenance verbs of the real kubectl, which PATCH with strategic merge.</summary>
public sealed class KubectlNodeTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Fact]
    public async Task CordonAndUncordon_ShowInTheStatusColumn()
    {
        var cordon = await sim.KubectlAsync("cordon", "worker-2");
        Assert.True(cordon.ExitCode == 0, cordon.Stderr);
        Assert.Equal("node/worker-2 cordoned", cordon.Stdout.Trim());
        var nodes = await sim.KubectlAsync("get", "node", "worker-2", "--no-headers");
        Assert.Matches(@"^worker-2\s+Ready,SchedulingDisabled\s", nodes.Stdout);

        Assert.Equal("node/worker-2 already cordoned", (await sim.KubectlAsync("cordon", "worker-2")).Stdout.Trim());
        Assert.Equal("node/worker-2 uncordoned", (await sim.KubectlAsync("uncordon", "worker-2")).Stdout.Trim());
        nodes = await sim.KubectlAsync("get", "node", "worker-2", "--no-headers");
        Assert.Matches(@"^worker-2\s+Ready\s", nodes.Stdout);
    }

    [Fact]
    public async Task LabelAndTaint_PatchTheNode()
    {
        Assert.Equal(0, (await sim.KubectlAsync("label", "node", "worker-3", "disk=ssd")).ExitCode);
        Assert.Equal(0, (await sim.KubectlAsync("taint", "node", "worker-3", "dedicated=db:NoSchedule")).ExitCode);
        var selected = await sim.KubectlAsync("get", "nodes", "-l", "disk=ssd", "-o", "name");
        Assert.Equal("node/worker-3", selected.Stdout.Trim());
        var taints = await sim.KubectlAsync("get", "node", "worker-3", "-o", "jsonpath={.spec.taints[0].key}={.spec.taints[0].value}:{.spec.taints[0].effect}");
        Assert.Equal("dedicated=db:NoSchedule", taints.Stdout);
    }
}
