using System.Text.Json;
using Pitcrew.Errors;

namespace Pitcrew.Sim.Tests;

/// <summary>Three control planes with one real etcd member each, the way kubeadm stacks them.</summary>
public sealed class HaSimulatorFixture : SimulatorFixture
{
    protected override Scenarios.Scenario? Scenario => Scenarios.Scenario.Bare("v1.31.2", 3, 1);
}

/// <summary>
/// The HA sim seen from outside: the real etcdctl finds one cluster of three members named after their nodes, the API
/// keeps serving (kubectl and the official Python client) with one member stopped, answers 503 without a quorum, and the
/// etcd-NODE mirror pods follow their member.
/// </summary>
public sealed class HaEtcdTests(HaSimulatorFixture sim) : IClassFixture<HaSimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EtcdctlSeesThreeMembersNamedAfterTheirNodes_InOneCluster_AndSimJsonListsThem()
    {
        var endpoints = sim.Sim.EtcdEndpoints;
        Assert.Equal(3, endpoints.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in endpoints)
        {
            using var list = JsonDocument.Parse(await EtcdctlAsync(endpoint, "member", "list", "-w", "json"));
            ids.Add(list.RootElement.GetProperty("header").GetProperty("cluster_id").GetRawText());
            var members = list.RootElement.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(["cp-1", "cp-2", "cp-3"], members.Select(m => m.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
            Assert.All(members, m => Assert.False(m.TryGetProperty("isLearner", out var learner) && learner.GetBoolean()));
        }

        Assert.Single(ids);
        Assert.Equal(sim.Sim.Etcd.On("cp-2")!.ClientUrl, endpoints[1]);

        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sim.Directory, SimState.FileName), Token));
        Assert.Equal(endpoints, state.RootElement.GetProperty("EtcdEndpoints").EnumerateArray().Select(e => e.GetString()!));
        Assert.Equal(endpoints[0], state.RootElement.GetProperty("EtcdEndpoint").GetString());

        // Each mirror pod advertises its own member, as kubeadm's manifest does.
        foreach (var node in new[] { "cp-1", "cp-2", "cp-3" })
        {
            var advertised = await sim.KubectlAsync("get", "pod", "-n", "kube-system", $"etcd-{node}", "-o",
                "jsonpath={.metadata.annotations.kubeadm\\.kubernetes\\.io/etcd\\.advertise-client-urls}");
            Assert.Equal(sim.Sim.Etcd.On(node)!.ClientUrl, advertised.Stdout);
        }
    }

    [Fact]
    public async Task OneMemberDown_TheApiServes_TwoDown_503UntilOneIsBack()
    {
        using var client = SimClient.Open(sim.Directory);
        try
        {
            var stopped = await client.SetEtcdAsync("cp-3", "etcd-stop", Token);
            Assert.Equal("node/cp-3: etcd member stopped (2 of 3 members running, quorum holds)", stopped);
            await UntilAsync(async () => (await PodReady("etcd-cp-3")) == "false");

            var write = await sim.KubectlAsync("create", "configmap", "written-with-one-down", "-n", "default", "--from-literal=k=v");
            Assert.True(write.ExitCode == 0, write.Stderr);
            var python = await PythonClient.CheckAsync(sim.Sim.KubeconfigPath, "paging", "ha-one-down", Token);
            Assert.True(python.Count > 0);
            var health = await EtcdctlAsync(string.Join(',', sim.Sim.EtcdEndpoints), ["endpoint", "health", "-w", "json"], allowFailure: true);
            Assert.Equal(2, JsonDocument.Parse(health).RootElement.EnumerateArray().Count(e => e.GetProperty("health").GetBoolean()));

            var second = await client.SetEtcdAsync("cp-2", "etcd-stop", Token);
            Assert.Contains("1 of 3 members running, quorum lost", second, StringComparison.Ordinal);
            var refused = await sim.KubectlAsync("get", "nodes", "--request-timeout=10s");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.True(refused.Stderr.Contains("no quorum: 1 of 3 members running, 2 needed", StringComparison.Ordinal), refused.Stderr);

            Assert.Contains("quorum holds", await client.SetEtcdAsync("cp-2", "etcd-start", Token), StringComparison.Ordinal);
            await UntilAsync(async () => (await sim.KubectlAsync("get", "configmap", "written-with-one-down", "-n", "default", "-o", "jsonpath={.data.k}")).Stdout == "v");
        }
        finally
        {
            await client.SetEtcdAsync("cp-2", "etcd-start", Token);
            await client.SetEtcdAsync("cp-3", "etcd-start", Token);
        }

        await UntilAsync(async () => (await PodReady("etcd-cp-3")) == "true" && (await PodReady("etcd-cp-2")) == "true");
        var restarts = await sim.KubectlAsync("get", "pod", "-n", "kube-system", "etcd-cp-3", "-o", "jsonpath={.status.containerStatuses[0].restartCount}");
        Assert.True(int.Parse(restarts.Stdout, System.Globalization.CultureInfo.InvariantCulture) >= 1, restarts.Stdout);
    }

    [Fact]
    public async Task AnUnknownNodesMember_IsAClearError()
    {
        using var client = SimClient.Open(sim.Directory);
        var missing = await Assert.ThrowsAsync<PitcrewException>(() => client.SetEtcdAsync("worker-1", "etcd-stop", Token));
        Assert.Contains("worker-1", missing.Message, StringComparison.Ordinal);
    }

    private async Task<string> PodReady(string pod) =>
        (await sim.KubectlAsync("get", "pod", "-n", "kube-system", pod, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")).Stdout.ToLowerInvariant();

    private static Task<string> EtcdctlAsync(string endpoints, params string[] args) => EtcdctlAsync(endpoints, args, allowFailure: false);

    private static async Task<string> EtcdctlAsync(string endpoints, string[] args, bool allowFailure)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/etcdctl") { Environment = { ["ETCDCTL_API"] = "3" } };
        foreach (var arg in (string[])["--endpoints", endpoints, "--command-timeout=3s", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        var (code, stdout, stderr) = await Testing.ChildProcess.RunAsync(start, TimeSpan.FromSeconds(20), Token);
        Assert.True(allowFailure || code == 0, $"etcdctl {string.Join(' ', args)} exited {code}: {stderr}");
        return stdout;
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
