using System.Text.Json;
using Pitcrew.Cluster;
using Pitcrew.Sim;
using Pitcrew.Testing;
using Pitcrew.Testing.Sim;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>A simulated kubeadm cluster for upgrade apply tests: its own directory, release table, backup store and state dir.</summary>
internal sealed class UpgradeSim : SimFixture
{
    public static readonly TimeSpan RunBound = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    private UpgradeSim()
        : base("pitcrew-upgrade-apply-")
    {
    }

    public string Releases => Path.Combine(Root, "releases.yaml");

    public string StateDir => Path.Combine(Root, "state");

    public string Store => "file://" + Path.Combine(Root, "backups");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Control planes and workers (worker-N in zone-a, the last in zone-b) at the version, with two Deployments under budgets that allow one disruption.</summary>
    public static async Task<UpgradeSim> StartAsync(string version, int controlPlanes, int workers)
    {
        var scenario = $$"""
            version: {{version}}
            nodes:
              - { name: cp, count: {{controlPlanes}}, role: control-plane }
              - { name: worker, count: {{workers - 1}}, labels: { topology.kubernetes.io/zone: zone-a } }
              - { name: worker-b, count: 1, labels: { topology.kubernetes.io/zone: zone-b } }
            workloads:
              - { kind: Deployment, name: web, namespace: shop, replicas: 3, image: "nginx:1.27", pdb: { maxUnavailable: "1" } }
              - { kind: Deployment, name: api, namespace: shop, replicas: 2, image: "busybox:1.36", pdb: { minAvailable: "1" } }
              - { kind: DaemonSet, name: node-agent, namespace: kube-system }
            """;
        var upgrade = new UpgradeSim();
        try
        {
            await upgrade.StartAsync(scenario, "upgrade-test.yaml", version, Token);
            await File.WriteAllTextAsync(upgrade.Releases, """
                asOf: 2026-11-01
                minors:
                  - { minor: v1.28, latest: v1.28.15, released: 2023-08-15, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.10.1 }
                  - { minor: v1.29, latest: v1.29.15, released: 2023-12-13, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.11.1 }
                  - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.11.3 }
                  - { minor: v1.31, latest: v1.31.14, released: 2024-08-13, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.11.3 }
                  - { minor: v1.32, latest: v1.32.13, released: 2024-12-11, endOfLife: 2099-01-01, etcd: 3.5.16-0, coredns: v1.11.3 }
                """, Token);
            await upgrade.WaitSettledAsync();
            return upgrade;
        }
        catch
        {
            await upgrade.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// upgrade apply through the sim's node agent with this sim's store and state dir, plus the arguments; no etcd flags:
    /// apply finds the sim's etcd as it finds a kubeadm cluster's, from the endpoint its etcd pods advertise.
    /// </summary>
    public Task<CliRun> ApplyAsync(params string[] args) => CliRun.InvokeAsync(null, RunBound, [.. ApplyArgs(), .. args]);

    public string[] ApplyArgs(string? stateDir = null, string bake = "2s", string executor = "sim") =>
    [
        "upgrade", "apply", "--kubeconfig", Kubeconfig, "--releases", Releases, "--executor", executor, "--store", Store,
        "--state-dir", stateDir ?? StateDir, "--yes", "--bake", bake, "--gate-timeout", "90s", "--force",
    ];

    public async Task<UpgradeJournal> JournalAsync() =>
        await UpgradeJournal.LoadAsync(StateDir, Token) ?? throw new InvalidOperationException($"no journal in {StateDir}");

    public async Task SetFaultAsync(string node, string fault)
    {
        using var client = SimClient.Open(SimDir);
        await client.SetFaultAsync(node, fault, Token);
    }

    public async Task<string> KubectlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await KubectlProcess.RunAsync(Kubeconfig, Root, args, Bound, Token);
        Assert.True(code == 0, stderr);
        return stdout;
    }

    /// <summary>Node name to (kubelet version, unschedulable) as kubectl reports them.</summary>
    public async Task<Dictionary<string, (string Kubelet, bool Cordoned)>> NodesAsync()
    {
        using var list = JsonDocument.Parse(await KubectlAsync("get", "nodes", "-o", "json"));
        return list.RootElement.GetProperty("items").EnumerateArray().ToDictionary(
            n => n.GetProperty("metadata").GetProperty("name").GetString()!,
            n => (n.GetProperty("status").GetProperty("nodeInfo").GetProperty("kubeletVersion").GetString()!,
                n.GetProperty("spec").TryGetProperty("unschedulable", out var u) && u.GetBoolean()));
    }

    public k8s.IKubernetes Client() => KubeAccess.Connect(new KubeAccessOptions(Kubeconfig, null), _ => null);

    /// <summary>Waits until every pod is Running and Ready, so preflight sees a settled cluster.</summary>
    private async Task WaitSettledAsync()
    {
        var deadline = DateTime.UtcNow + Bound;
        while (DateTime.UtcNow < deadline)
        {
            var pods = await KubectlAsync("get", "pods", "-A", "-o", "jsonpath={range .items[*]}{.status.phase}/{.status.conditions[?(@.type==\"Ready\")].status} {end}");
            var states = pods.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (states.Length >= 5 && states.All(s => s == "Running/True"))
            {
                return;
            }

            await Task.Delay(500, Token);
        }

        throw new TimeoutException("the sim's pods did not all become Ready");
    }
}
