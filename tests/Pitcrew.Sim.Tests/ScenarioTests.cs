using Pitcrew.Errors;
using Pitcrew.Sim.Scenarios;

namespace Pitcrew.Sim.Tests;

public sealed class ScenarioTests
{
    [Fact]
    public void Demo_HasAControlPlaneThreeWorkersAndTheWorkloadsDrainMeets()
    {
        var demo = ScenarioReader.Load("demo");
        Assert.Equal(["cp-1", "worker-1", "worker-2", "worker-3"], demo.NodeNames().Select(n => n.Name));
        Assert.Contains(demo.Workloads, w => w is { Kind: "DaemonSet" });
        Assert.Contains(demo.Workloads, w => w is { Kind: "Pod", EmptyDir: true });
        Assert.Contains(demo.Workloads, w => w is { Kind: "Deployment", PdbMinAvailable: not null });
    }

    [Theory]
    [InlineData("version: 1.30\nnodes: []", ":1: version: \"1.30\" is not a Kubernetes version")]
    [InlineData("version: v1.30.4\nnodes:\n  - name: worker\n    count: 3\n", "nodes: at least one group with role: control-plane is needed")]
    [InlineData("nodes:\n  - name: cp\n    role: control-plane\n    cuont: 2\n", ":4: unknown field \"cuont\"")]
    [InlineData("nodes:\n  - name: cp\n    role: control-plane\n    count: -1\n", ":4: count: \"-1\": want a whole number")]
    [InlineData("nodes:\n  - name: cp\n    role: control-plane\nworkloads:\n  - kind: CronJob\n    name: x\n", ":5: kind: \"CronJob\": want one of Deployment, StatefulSet, DaemonSet, Job, Pod")]
    [InlineData("nodes:\n  - name: cp\n    role: control-plane\nfaults:\n  - node: cp-9\n    fault: kubelet-stop\n", ":5: node: \"cp-9\" is not a node of this scenario")]
    [InlineData("nodes:\n  - name: cp\n    role: control-plane\n  - name: w\n    certificatesExpireIn: 20d\n", ":4: certificatesExpireIn: only a control-plane group has kubeadm certificates")]
    [InlineData("nodes:\n  - name: cp\n    role: control-plane\n    certificatesExpireIn: soon\n", "certificatesExpireIn: \"soon\": want a duration such as 5d")]
    [InlineData("nodes: [unclosed", ":2: While parsing a flow sequence")]
    public void Malformed_NamesTheLineAndField(string yaml, string expected)
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(yaml, "test.yaml"));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("test.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificatesExpireIn_OnAControlPlaneGroup_IsKept() =>
        Assert.Equal(TimeSpan.FromDays(20), ScenarioReader.Parse("nodes:\n  - name: cp\n    role: control-plane\n    certificatesExpireIn: 20d\n", "t.yaml").Nodes[0].CertificatesExpireIn);

    [Fact]
    public void Load_OfAMissingFile_SaysSo()
    {
        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Load("/nonexistent/cluster.yaml"));
        Assert.Contains("no such file", error.Message, StringComparison.Ordinal);
    }
}

/// <summary>The demo scenario running, and kubectl drain meeting each of its obstacles.</summary>
public sealed class DemoScenarioTests(DemoSimulatorFixture sim) : IClassFixture<DemoSimulatorFixture>
{
    [Fact]
    public async Task Demo_RunsItsWorkloadsAndKubectlDrainNamesEveryObstacle()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await sim.KubectlAsync("get", "pods", "-A", "--field-selector=status.phase!=Running", "-o", "name")).Stdout.Trim().Length > 0
               || (await sim.KubectlAsync("get", "pods", "-A", "-o", "name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 10)
        {
            await Task.Delay(250, timeout.Token);
        }

        var pdb = await sim.KubectlAsync("-n", "shop", "get", "pdb", "db", "--no-headers");
        Assert.Matches(@"^db\s+2\s+N/A\s+0\s", pdb.Stdout);

        var node = (await sim.KubectlAsync("-n", "shop", "get", "pod", "cache", "-o", "jsonpath={.spec.nodeName}")).Stdout;
        var drain = await sim.KubectlAsync("drain", node, "--timeout=5s");
        Assert.NotEqual(0, drain.ExitCode);
        Assert.Contains("cannot delete Pods with local storage (use --delete-emptydir-data to override): shop/cache", drain.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): .*kube-system/node-agent-", drain.Stderr);
        Assert.Equal(0, (await sim.KubectlAsync("uncordon", node)).ExitCode);
    }

    [Fact]
    public async Task KubectlTop_ShowsNodeAndPodUsage()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        // Top lists running pods only: wait for a web pod, not just any (under load the cache pod may run first).
        while (!System.Text.RegularExpressions.Regex.IsMatch((await sim.KubectlAsync("-n", "shop", "get", "pods", "--no-headers")).Stdout, @"(?m)^web-\S+\s+1/1\s+Running"))
        {
            await Task.Delay(250, timeout.Token);
        }

        var nodes = await sim.KubectlAsync("top", "nodes");
        Assert.True(nodes.ExitCode == 0, nodes.Stderr);
        Assert.Matches(@"NAME\s+CPU\(cores\)\s+CPU(%| %)\s+MEMORY\(bytes\)\s+MEMORY(%| %)", nodes.Stdout);
        Assert.Matches(@"worker-1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%", nodes.Stdout);

        var pods = await sim.KubectlAsync("-n", "shop", "top", "pods");
        Assert.True(pods.ExitCode == 0, pods.Stderr);
        Assert.Matches(@"web-\S+\s+\d+m\s+\d+Mi", pods.Stdout);
    }
}
