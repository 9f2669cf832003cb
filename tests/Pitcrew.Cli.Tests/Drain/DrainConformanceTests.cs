using System.Globalization;

namespace Pitcrew.Cli.Tests.Drain;

/// <summary>
/// The same workload drained once with the real kubectl and once with pitcrew node drain, on nodes of their own in one
/// simulated cluster: exit status, key lines, the pods left on the node and its schedulability must agree.
/// </summary>
[Collection(nameof(DrainSimGroup))]
public sealed class DrainConformanceTests(DrainSimFixture sim)
{
    private const string Web = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: NS}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web, role: web}}
            spec:
              nodeSelector: {side: NS}
              terminationGracePeriodSeconds: 1
              containers: [{name: web, image: nginx:1.27}]
        """;

    private const string Agent = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent, namespace: NS}
        spec:
          selector: {matchLabels: {app: agent}}
          template:
            metadata: {labels: {app: agent, role: agent}}
            spec:
              nodeSelector: {side: NS}
              containers: [{name: agent, image: busybox:1.36}]
        """;

    private const string Bare = """
        apiVersion: v1
        kind: Pod
        metadata: {name: bare, namespace: NS, labels: {role: bare}}
        spec:
          nodeSelector: {side: NS}
          terminationGracePeriodSeconds: 1
          containers: [{name: sh, image: busybox:1.36}]
        """;

    private const string Scratch = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: scratch, namespace: NS}
        spec:
          replicas: 1
          selector: {matchLabels: {app: scratch}}
          template:
            metadata: {labels: {app: scratch, role: scratch}}
            spec:
              nodeSelector: {side: NS}
              terminationGracePeriodSeconds: 1
              volumes: [{name: tmp, emptyDir: {}}]
              containers: [{name: c, image: redis:7}]
        """;

    private const string Completed = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: done-job, namespace: NS}
        spec:
          template:
            metadata: {labels: {role: done}, annotations: {sim.pitcrew.dev/run-seconds: "1"}}
            spec:
              nodeSelector: {side: NS}
              restartPolicy: Never
              containers: [{name: c, image: busybox:1.36}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: done-bare, namespace: NS, labels: {role: done}, annotations: {sim.pitcrew.dev/run-seconds: "1"}}
        spec:
          nodeSelector: {side: NS}
          restartPolicy: Never
          containers: [{name: c, image: busybox:1.36}]
        """;

    // A pod whose DaemonSet is gone: the sim's collector keys owners by uid, so a reference naming a missing DaemonSet with
    // a live uid (the namespace's) stands for a DaemonSet deleted before the collector got to its pods.
    private const string Orphan = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: orphan
          namespace: NS
          labels: {role: orphan}
          ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: ghost, uid: NSUID, controller: true}]
        spec:
          nodeSelector: {side: NS}
          terminationGracePeriodSeconds: 1
          containers: [{name: c, image: busybox:1.36}]
        """;

    [Theory]
    [InlineData("no flags", new[] { "--timeout=30s" })]
    [InlineData("ignore daemonsets", new[] { "--ignore-daemonsets", "--timeout=30s" })]
    [InlineData("ignore daemonsets, emptydir and force", new[] { "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--timeout=30s" })]
    [InlineData("force without emptydir", new[] { "--ignore-daemonsets", "--force", "--timeout=30s" })]
    [InlineData("pod selector", new[] { "--ignore-daemonsets", "--pod-selector=role=web", "--timeout=30s" })]
    [InlineData("disable eviction, grace 0", new[] { "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--disable-eviction", "--grace-period=0", "--timeout=30s" })]
    [InlineData("server dry run", new[] { "--ignore-daemonsets", "--delete-emptydir-data", "--force", "--dry-run=server" })]
    public async Task Drain_OfMixedWorkloads_MatchesKubectl(string description, string[] flags)
    {
        Assert.NotEmpty(description);
        await CompareAsync(string.Join("\n---\n", Web, Agent, Bare, Scratch), flags, moveReplacements: true);
    }

    [Fact]
    public async Task Drain_OfCompletedPods_RemovesThemWithoutFlagsLikeKubectl()
    {
        var (kubectl, pitcrew) = await CompareAsync(Completed, ["--ignore-daemonsets", "--timeout=30s"], moveReplacements: false);
        Assert.Equal(0, kubectl.ExitCode);
        Assert.Contains("pod/pod:done evicted", pitcrew);
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 0)]
    public async Task Drain_OfPodWhoseDaemonSetIsGone_NeedsForceLikeKubectl(bool force, int exitCode)
    {
        string[] flags = force ? ["--ignore-daemonsets", "--force", "--timeout=30s"] : ["--ignore-daemonsets", "--timeout=30s"];
        var (kubectl, pitcrew) = await CompareAsync(Orphan, flags, moveReplacements: false);
        Assert.Equal(exitCode, kubectl.ExitCode);
        Assert.Equal(force, pitcrew.Contains("pod/pod:orphan evicted"));
    }

    [Fact]
    public async Task Drain_WithPdbAllowingOneAtATime_MovesPodsAndSucceedsLikeKubectl()
    {
        var (kubectl, pitcrew) = await CompareAsync(Web + "\n---\n" + Budget("web", "maxUnavailable: 1"), ["--ignore-daemonsets", "--timeout=60s"], moveReplacements: true);
        Assert.Equal(0, kubectl.ExitCode);
        Assert.Contains("node/NODE drained", pitcrew);
    }

    [Fact]
    public async Task Drain_WithPdbAllowingNone_IsBlockedUntilTimeoutLikeKubectl()
    {
        var (kubectl, pitcrew) = await CompareAsync(Web + "\n---\n" + Budget("web", "minAvailable: 3"), ["--ignore-daemonsets", "--timeout=8s"], moveReplacements: true);
        Assert.Equal(1, kubectl.ExitCode);
        Assert.Contains(pitcrew, l => l.Contains("global timeout reached: 8s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_OfPodUnderTwoBudgets_FailsWith500LikeKubectl()
    {
        var manifest = string.Join("\n---\n", Web, Budget("web", "maxUnavailable: 1"), Budget("web-too", "maxUnavailable: 1"));
        var (kubectl, pitcrew) = await CompareAsync(manifest, ["--ignore-daemonsets", "--timeout=20s"], moveReplacements: true);
        Assert.Equal(1, kubectl.ExitCode);
        Assert.Contains(pitcrew, l => l.Contains("more than one PodDisruptionBudget", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_OfControlPlane_SkipsMirrorPodsLikeKubectl()
    {
        var kubectl = await sim.KubectlAsync("drain", "cp-1", "--ignore-daemonsets", "--timeout=30s");
        var pitcrew = await sim.PitcrewAsync("node", "drain", "cp-2", "--ignore-daemonsets", "--timeout=30s");
        Assert.Equal(kubectl.ExitCode, pitcrew.ExitCode);
        Assert.Equal(0, pitcrew.ExitCode);
        Assert.Contains("node/cp-2 drained", pitcrew.Stdout, StringComparison.Ordinal);
        var left = await sim.KubectlAsync("get", "pods", "-n", "kube-system", "--field-selector=spec.nodeName=cp-2", "-o", "name");
        Assert.Contains("pod/kube-apiserver-cp-2", left.Stdout, StringComparison.Ordinal);
        Assert.Contains("pod/etcd-cp-2", left.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drain_OfUnknownNode_FailsLikeKubectl()
    {
        var kubectl = await sim.KubectlAsync("drain", "no-such-node");
        var pitcrew = await sim.PitcrewAsync("node", "drain", "no-such-node");
        Assert.Equal(kubectl.ExitCode, pitcrew.ExitCode);
        Assert.Equal(kubectl.Stderr.Trim(), pitcrew.Stderr.Trim());
    }

    [Fact]
    public async Task Drain_BySelector_CordonsAndDrainsTheSelectedNode()
    {
        var node = sim.TakeWorkers(1)[0];
        var label = "drain-select=" + node;
        Assert.Equal(0, (await sim.KubectlAsync("label", "node", node, label)).ExitCode);
        var pitcrew = await sim.PitcrewAsync("node", "drain", "-l", label, "--ignore-daemonsets");
        Assert.Equal(0, pitcrew.ExitCode);
        // A CoreDNS replica may sit on the node; it is evicted in between.
        Assert.StartsWith($"node/{node} cordoned\n", pitcrew.Stdout, StringComparison.Ordinal);
        Assert.EndsWith($"node/{node} drained\n", pitcrew.Stdout, StringComparison.Ordinal);
        var both = await sim.PitcrewAsync("node", "drain", node, "-l", label);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("cannot specify both a node name and a --selector option", both.Stderr, StringComparison.Ordinal);
    }

    private static string Budget(string name, string rule) => $$$"""
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: {{{name}}}, namespace: NS}
        spec:
          {{{rule}}}
          selector: {matchLabels: {app: web}}
        """;

    /// <summary>Sets up both sides alike, drains one with kubectl and one with pitcrew, and asserts they agree; returns both key-line sets.</summary>
    private async Task<(CliRun Kubectl, SortedSet<string> Pitcrew)> CompareAsync(string manifest, string[] flags, bool moveReplacements)
    {
        var nodes = sim.TakeWorkers(4);
        var id = nodes[0].Replace("w-", string.Empty, StringComparison.Ordinal);
        var k = new DrainSide($"k{id}", nodes[0], nodes[1]);
        var p = new DrainSide($"p{id}", nodes[2], nodes[3]);
        await Task.WhenAll(PrepareAsync(k, manifest, moveReplacements), PrepareAsync(p, manifest, moveReplacements));

        var kubectlTask = sim.KubectlAsync(["drain", k.Node, .. flags]);
        var pitcrewTask = sim.PitcrewAsync(["node", "drain", p.Node, .. flags]);
        var kubectl = await kubectlTask;
        var pitcrew = await pitcrewTask;
        var context = $"kubectl:\n{kubectl.Stdout}{kubectl.Stderr}\npitcrew:\n{pitcrew.Stdout}{pitcrew.Stderr}";

        Assert.True(kubectl.ExitCode == pitcrew.ExitCode, $"exit {kubectl.ExitCode} vs {pitcrew.ExitCode}\n{context}");
        var kubectlLines = k.KeyLines(kubectl.Stdout + "\n" + kubectl.Stderr);
        var pitcrewLines = p.KeyLines(pitcrew.Stdout + "\n" + pitcrew.Stderr);
        Assert.True(kubectlLines.SetEquals(pitcrewLines),
            $"only kubectl: {string.Join(" | ", kubectlLines.Except(pitcrewLines))}\nonly pitcrew: {string.Join(" | ", pitcrewLines.Except(kubectlLines))}\n{context}");
        Assert.Equal(await LeftAsync(k), await LeftAsync(p));
        Assert.Equal(await CordonedAsync(k.Node), await CordonedAsync(p.Node));
        return (kubectl, pitcrewLines);
    }

    private async Task PrepareAsync(DrainSide side, string manifest, bool moveReplacements)
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", side.Namespace)).ExitCode);
        var uid = (await sim.KubectlAsync("get", "namespace", side.Namespace, "-o", "jsonpath={.metadata.uid}")).Stdout;
        manifest = manifest.Replace("NSUID", uid, StringComparison.Ordinal);
        Assert.Equal(0, (await sim.KubectlAsync("label", "node", side.Node, "side=" + side.Namespace)).ExitCode);
        var file = Path.Combine(sim.Root, side.Namespace + ".yaml");
        await File.WriteAllTextAsync(file, manifest.Replace("NS", side.Namespace, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        var applied = await sim.KubectlAsync("apply", "-f", file);
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var pods = await sim.KubectlAsync("get", "pods", "-n", side.Namespace, "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.metadata.labels.role} {.status.phase}{\"\\n\"}{end}");
            var rows = pods.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
            var expected = manifest.Split("role: ").Length - 1 + (manifest.Contains("replicas: 3", StringComparison.Ordinal) ? 2 : 0);
            if (rows.Count >= expected && rows.All(r => r.Length == 3 && r[2] == (r[1] == "done" ? "Succeeded" : "Running")))
            {
                foreach (var row in rows)
                {
                    side.Roles[row[0]] = row[1];
                }

                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"pods in {side.Namespace} did not all run: {pods.Stdout}");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        if (moveReplacements)
        {
            Assert.Equal(0, (await sim.KubectlAsync("label", "node", side.Spare, "side=" + side.Namespace)).ExitCode);
        }
    }

    /// <summary>The roles of the side's pods still on its node (sorted), after the drain.</summary>
    private async Task<string> LeftAsync(DrainSide side)
    {
        var pods = await sim.KubectlAsync("get", "pods", "-n", side.Namespace, "--field-selector=spec.nodeName=" + side.Node, "-o",
            "jsonpath={range .items[*]}{.metadata.labels.role}{\"\\n\"}{end}");
        return string.Join(",", pods.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    private async Task<string> CordonedAsync(string node) =>
        (await sim.KubectlAsync("get", "node", node, "-o", "jsonpath={.spec.unschedulable}")).Stdout.ToString(CultureInfo.InvariantCulture);
}

[CollectionDefinition(nameof(DrainSimGroup))]
public sealed class DrainSimGroup : ICollectionFixture<DrainSimFixture>;
