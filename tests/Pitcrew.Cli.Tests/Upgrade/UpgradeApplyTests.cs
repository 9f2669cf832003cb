using System.Text.Json;
using k8s;
using Pitcrew.Errors;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// pitcrew upgrade apply on a simulated three-control-plane cluster from v1.28 to v1.30: two kubeadm upgrades, the
/// control planes first, canary, bake, zone-limited batches, with the skew policy and every budget checked
/// continuously from outside while it runs.
/// </summary>
public sealed class UpgradeApplyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Apply_UpgradesTwoMinors_ControlPlanesFirst_WithTheSkewPolicyAndBudgetsHoldingThroughout()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.28.15", controlPlanes: 3, workers: 4);
        using var client = sim.Client();
        var api = new KubeUpgradeApi(client, null);
        using var stop = new CancellationTokenSource();
        var samples = 0;
        var violations = new List<string>();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var versions = await api.ReadVersionsAsync(Token);
                violations.AddRange(LiveSkew.Check(versions).Select(v => $"{v.Subject}: {v.Reason}"));
                var budgets = await client.PolicyV1.ListPodDisruptionBudgetForAllNamespacesAsync(cancellationToken: Token);
                violations.AddRange(budgets.Items.Where(b => b.Status?.CurrentHealthy < b.Status?.DesiredHealthy)
                    .Select(b => $"pdb/{b.Metadata.Name}: {b.Status.CurrentHealthy} healthy < {b.Status.DesiredHealthy}"));
                samples++;
                await Task.Delay(200, Token);
            }
        }, Token);

        var run = await sim.ApplyAsync("--to", "v1.30", "--batch-size", "3", "--max-unavailable-per-zone", "1", "--canary", "1");
        await stop.CancelAsync();
        await watcher;
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr + run.Stdout);
        Assert.True(samples > 20, $"the watcher sampled the cluster only {samples} times");
        Assert.Empty(violations);

        // Order: each hop's control-plane components, then their kubelets, the canary, then batches that keep one node per zone.
        var stages = run.Stderr.Split('\n').Where(l => l.Contains(" stage ", StringComparison.Ordinal)).Select(l => l[(l.IndexOf("stage ", StringComparison.Ordinal) + 6)..]).ToList();
        Assert.Equal(
        [
            "v1.29.15: first control plane cp-1 (kubeadm upgrade apply)", "v1.29.15: control plane cp-2 (kubeadm upgrade node)", "v1.29.15: control plane cp-3 (kubeadm upgrade node)",
            "v1.29.15: kubelet of control plane cp-1", "v1.29.15: kubelet of control plane cp-2", "v1.29.15: kubelet of control plane cp-3",
            "v1.29.15: canary worker-1", "v1.29.15: batch 1 (worker-2, worker-b-1)", "v1.29.15: batch 2 (worker-3)",
            "v1.30.14: first control plane cp-1 (kubeadm upgrade apply)", "v1.30.14: control plane cp-2 (kubeadm upgrade node)", "v1.30.14: control plane cp-3 (kubeadm upgrade node)",
            "v1.30.14: kubelet of control plane cp-1", "v1.30.14: kubelet of control plane cp-2", "v1.30.14: kubelet of control plane cp-3",
            "v1.30.14: canary worker-1", "v1.30.14: batch 1 (worker-2, worker-b-1)", "v1.30.14: batch 2 (worker-3)",
        ], stages);

        var nodes = await sim.NodesAsync();
        Assert.All(nodes, n => Assert.Equal(("v1.30.14", false), n.Value));
        using var version = JsonDocument.Parse(await sim.KubectlAsync("version", "-o", "json"));
        Assert.Equal("v1.30.14", version.RootElement.GetProperty("serverVersion").GetProperty("gitVersion").GetString());
        // kubeadm upgraded the kube-proxy DaemonSet with the last control plane; its pods roll out node by node.
        var rolled = await sim.KubectlAsync("-n", "kube-system", "rollout", "status", "ds/kube-proxy", "--timeout=60s");
        Assert.Contains("successfully rolled out", rolled, StringComparison.Ordinal);
        var proxies = await sim.KubectlAsync("-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-proxy", "-o", "jsonpath={.items[*].spec.containers[0].image}");
        Assert.Equal(Enumerable.Repeat("registry.k8s.io/kube-proxy:v1.30.14", nodes.Count), proxies.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        // The journal (file and ConfigMap), the pre-upgrade backup, the released lock and the reports.
        var journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        Assert.Equal(["v1.29.15", "v1.30.14"], journal.Path);
        var mirrored = await new JournalMirror(client, _ => { }).LoadAsync(Token);
        Assert.True(mirrored!.Finished);
        Assert.Equal(journal.Compacted().Entries, mirrored.Entries);
        var list = await CliRun.InvokeAsync("etcd", "backup", "list", "--store", sim.Store, "-o", "json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains(journal.Backup!, list.Stdout, StringComparison.Ordinal);
        Assert.Contains("pre-upgrade", list.Stdout, StringComparison.Ordinal);
        var lease = await Record.ExceptionAsync(() => client.CoordinationV1.ReadNamespacedLeaseAsync(MaintenanceLock.LeaseName, "kube-system", cancellationToken: Token));
        Assert.IsType<k8s.Autorest.HttpOperationException>(lease);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(sim.StateDir, $"upgrade-report-{journal.RunId}.json"), Token));
        Assert.Equal("upgraded", report.RootElement.GetProperty("result").GetString());
        Assert.Equal(7, report.RootElement.GetProperty("nodes").GetArrayLength());
        Assert.All(report.RootElement.GetProperty("nodes").EnumerateArray(), n => Assert.True(n.GetProperty("timeline").GetArrayLength() >= 10, n.ToString()));
        Assert.Contains("<table>", await File.ReadAllTextAsync(Path.Combine(sim.StateDir, $"upgrade-report-{journal.RunId}.html"), Token), StringComparison.Ordinal);
        Assert.Contains("| worker-b-1 | worker | v1.30.14 |", await File.ReadAllTextAsync(Path.Combine(sim.StateDir, $"upgrade-report-{journal.RunId}.md"), Token), StringComparison.Ordinal);

        // Nothing to do now: the cluster is at the target.
        var again = await sim.ApplyAsync("--to", "v1.30");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.Stderr);
        Assert.Contains("already at the target", again.Stdout, StringComparison.Ordinal);
    }
}
