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
