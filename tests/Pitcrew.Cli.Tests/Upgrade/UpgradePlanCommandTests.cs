using System.Text.Json;
using Pitcrew.Cluster;
using Pitcrew.Errors;
using Pitcrew.Executors;
using Pitcrew.Sim;
using Pitcrew.Testing;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>pitcrew upgrade plan against a simulated kubeadm cluster, compared with what the cluster itself reports.</summary>
public sealed class UpgradePlanCommandTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly SimFixture _cluster = new("pitcrew-upgrade-");

    private string Kubeconfig => _cluster.Sim.KubeconfigPath;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _cluster.StartAsync(new SimOptions(_cluster.SimDir, ControlPlanes: 2, Workers: 2, KubernetesVersion: "v1.30.4"), Token);
    }

    [Fact]
    public async Task Plan_ReadsTheVersionsTheClusterReports_AndFollowsAKubeadmApplyOnTheFirstControlPlane()
    {
        var releases = Path.Combine(_cluster.Root, "releases.yaml");
        await File.WriteAllTextAsync(releases, """
            asOf: 2026-11-01
            minors:
              - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2027-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
              - { minor: v1.31, latest: v1.31.14, released: 2024-08-13, endOfLife: 2027-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
            """, Token);

        var json = await PitcrewAsync("upgrade", "plan", "--to", "v1.31", "--releases", releases, "-o", "json");
        Assert.True(json.ExitCode == ExitCodes.Ok, json.Stderr + json.Stdout);
        using var plan = JsonDocument.Parse(json.Stdout);
        var server = await KubectlAsync("version", "-o", "json");
        using var version = JsonDocument.Parse(server.Stdout);
        Assert.Equal(version.RootElement.GetProperty("serverVersion").GetProperty("gitVersion").GetString(), plan.RootElement.GetProperty("current").GetString());
        Assert.Equal(["v1.31.14"], plan.RootElement.GetProperty("path").EnumerateArray().Select(e => e.GetString()));

        var step = plan.RootElement.GetProperty("steps")[0];
        var kubelets = (await KubectlAsync("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion} {end}")).Stdout
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal);
        Assert.Equal(kubelets, step.GetProperty("kubelets").EnumerateArray().Select(k => $"{k.GetProperty("node").GetString()}={k.GetProperty("current").GetString()}").Order(StringComparer.Ordinal));
        var images = (await KubectlAsync("get", "pods", "-n", "kube-system", "-l", "tier=control-plane", "-o",
            "jsonpath={range .items[*]}{.metadata.labels.component}@{.spec.nodeName}={.spec.containers[0].image} {end}")).Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var row in step.GetProperty("controlPlane").EnumerateArray().Where(r => r.GetProperty("node").ValueKind == JsonValueKind.String))
        {
            var component = row.GetProperty("component").GetString();
            var image = images.Single(i => i.StartsWith($"{component}@{row.GetProperty("node").GetString()}=", StringComparison.Ordinal));
            Assert.EndsWith(":" + row.GetProperty("current").GetString(), image, StringComparison.Ordinal);
        }

        var text = await PitcrewAsync("upgrade", "plan", "--to", "v1.31.14", "--releases", releases);
        Assert.Equal(ExitCodes.Ok, text.ExitCode);
        Assert.Contains("[upgrade/versions] Path: v1.30.4 -> v1.31.14", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("[upgrade/versions] Or through the latest patch of v1.30 first (every node drains once more): v1.30.4 -> v1.30.14 -> v1.31.14 (--via-latest-patch)",
            text.Stdout, StringComparison.Ordinal);
        Assert.Contains("[upgrade/versions] Or only the latest patch of v1.30: v1.30.4 -> v1.30.14 (--to v1.30)", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("Components that must be upgraded manually after you have upgraded the control plane with 'kubeadm upgrade apply':", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"kube-apiserver\s+cp-2\s+v1\.30\.4\s+v1\.31\.14", text.Stdout);
        var via = await PitcrewAsync("upgrade", "plan", "--to", "v1.31", "--releases", releases, "--via-latest-patch", "-o", "json");
        using (var viaPlan = JsonDocument.Parse(via.Stdout))
        {
            Assert.Equal(["v1.30.14", "v1.31.14"], viaPlan.RootElement.GetProperty("path").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Contains("kubeadm-apply: kubeadm upgrade apply v1.31.14 -y", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("The upgrade to v1.31.14 may proceed.", text.Stdout, StringComparison.Ordinal);

        // Half an upgrade: kubeadm upgrade apply on cp-1 only; the plan starts from the new /version and names cp-2.
        await using (var executor = SimNodeExecutor.Create(KubeAccess.Configuration(new KubeAccessOptions(Kubeconfig, null), _ => null), TimeProvider.System))
        {
            var apply = await executor.RunAsync("cp-1", NodeCommand.Shell(
                "echo 'deb https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /' | tee /etc/apt/sources.list.d/kubernetes.list && apt-get update && apt-mark unhold kubeadm && apt-get install -y kubeadm=1.31.14-1.1 && kubeadm upgrade apply v1.31.14 -y"),
                null, Token).WaitAsync(Bound, Token);
            Assert.True(apply.Succeeded, apply.Tail());
        }

        // kubeadm rewrote cp-1's static pods; each etcd pod still advertises its node's real member, as kubeadm's manifest does.
        foreach (var node in new[] { "cp-1", "cp-2" })
        {
            var member = _cluster.Sim.Etcd.On(node)!.ClientUrl;
            var etcd = await KubectlAsync("get", "pod", "-n", "kube-system", $"etcd-{node}", "-o",
                "jsonpath={.metadata.annotations.kubeadm\\.kubernetes\\.io/etcd\\.advertise-client-urls} {.spec.containers[0].command}");
            Assert.StartsWith($"{member} ", etcd.Stdout, StringComparison.Ordinal);
            Assert.Contains($"--advertise-client-urls={member}", etcd.Stdout, StringComparison.Ordinal);
        }

        var half = await PitcrewAsync("upgrade", "plan", "--to", "v1.31", "--releases", releases);
        Assert.Equal(ExitCodes.Blocked, half.ExitCode);
        Assert.Contains("[upgrade/versions] Cluster version: v1.31.14", half.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"SKIPPABLE\s+control plane at one version\s+kube-apiserver on cp-2\s+runs v1\.30\.4", half.Stdout);
        Assert.DoesNotContain("up-to-date", half.Stdout, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, (await PitcrewAsync("upgrade", "plan", "--to", "v1.31", "--releases", releases, "--force")).ExitCode);
    }

    [Fact]
    public async Task Plan_WithTheBuiltInTableInDecember2026_WarnsOfEndOfLifeMinors_NamesTheNearestSupported_AndMayProceed()
    {
        // On 2026-12-07 every minor before v1.35 is past its end of life in the built-in table: leaving v1.30 is the point.
        var plan = await PlanOnAsync(December2026, "upgrade", "plan", "--to", "v1.31");
        Assert.True(plan.ExitCode == ExitCodes.Ok, plan.Stdout + plan.Stderr);
        Assert.Matches(@"WARN\s+supported minor\s+v1\.31\s+reached end of life on 2025-11-11: no more patches; the nearest supported minor is v1\.35", plan.Stdout);
        Assert.Contains("The upgrade to v1.31.14 may proceed (", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("SKIPPABLE", plan.Stdout, StringComparison.Ordinal);

        var unknown = await PitcrewAsync("upgrade", "plan", "--to", "v1.99");
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("v1.99 is not in the release table", unknown.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ToAnOlderMinor_IsOneBlock_WithoutAnUpToDateLine()
    {
        var plan = await PlanOnAsync(December2026, "upgrade", "plan", "--to", "v1.29");
        Assert.Equal(ExitCodes.Blocked, plan.ExitCode);
        Assert.DoesNotContain("up-to-date", plan.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing to upgrade", plan.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"FAIL\s+no downgrade\s+v1\.29\.15", plan.Stdout);
        Assert.EndsWith("Blocked: v1.29.15 is older than the cluster's v1.30.4; Pitcrew does not plan downgrades (restore a pre-upgrade backup instead).", plan.Stdout.TrimEnd(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_OnAHealthyClusterIsGo_WarnsOnAnEndOfLifeTarget_AndFailsOnPressure()
    {
        var releases = Path.Combine(_cluster.Root, "releases.yaml");
        await File.WriteAllTextAsync(releases, """
            asOf: 2026-11-01
            minors:
              - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2027-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
              - { minor: v1.31, latest: v1.31.14, released: 2024-08-13, endOfLife: 2027-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
            """, Token);
        await WaitForCoreDnsAsync();

        var store = "file://" + Directory.CreateDirectory(Path.Combine(_cluster.Root, "backups")).FullName;
        var backup = await PitcrewAsync("etcd", "backup", "create", "--store", store, "--endpoints", _cluster.Sim.EtcdEndpoint);
        Assert.True(backup.ExitCode == ExitCodes.Ok, backup.Stderr);
        var go = await PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", releases, "--endpoints", _cluster.Sim.EtcdEndpoint, "--store", store);
        Assert.True(go.ExitCode == ExitCodes.Ok, go.Stdout + go.Stderr);
        Assert.Contains("GO: every check passed.", go.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"etcd healthy\s+PASS\s+2/2 members' pods", go.Stdout);
        Assert.Matches(@"recent backup\s+PASS", go.Stdout);
        Assert.Matches(@"certificates valid\s+PASS\s+\d+ read", go.Stdout);
        Assert.All(go.Stdout.Split('\n'), line => Assert.True(line.Length <= Pitcrew.Cli.UpgradeCommands.TextTable.PlainWidth, $"{line.Length} columns: {line}"));

        var eol = await PlanOnAsync(December2026, "upgrade", "preflight", "--to", "v1.31", "--store", store, "-o", "json");
        Assert.Equal(ExitCodes.Warnings, eol.ExitCode);
        using (var eolReport = JsonDocument.Parse(eol.Stdout))
        {
            var versions = eolReport.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "version rules");
            Assert.Equal("Warn", versions.GetProperty("verdict").GetString());
            Assert.Contains("v1.31: reached end of life", versions.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        }

        using (var client = SimClient.Open(_cluster.SimDir))
        {
            await client.SetFaultAsync("worker-1", "disk-pressure", Token);
        }

        var deadline = DateTime.UtcNow + Bound;
        CliRun noGo;
        do
        {
            noGo = await PitcrewAsync("upgrade", "preflight", "--to", "v1.31", "--releases", releases, "-o", "json");
        }
        while (noGo.ExitCode != ExitCodes.Blocked && DateTime.UtcNow < deadline);
        Assert.Equal(ExitCodes.Blocked, noGo.ExitCode);
        using var report = JsonDocument.Parse(noGo.Stdout);
        var pressure = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "no pressure");
        Assert.Equal("Fail", pressure.GetProperty("verdict").GetString());
        Assert.Equal("worker-1: DiskPressure", pressure.GetProperty("evidence").GetString());
    }

    private async Task WaitForCoreDnsAsync()
    {
        var deadline = DateTime.UtcNow + Bound;
        while ((await KubectlAsync("get", "pods", "-A", "--field-selector=status.phase=Pending", "-o", "name")).Stdout.Trim().Length > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, Token);
        }
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private static readonly DateTimeOffset December2026 = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private Task<CliRun> PitcrewAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);

    private Task<CliRun> PlanOnAsync(DateTimeOffset now, params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, TimeSpan.FromSeconds(120), new DateClock(now), args);

    private async Task<CliRun> KubectlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await KubectlProcess.RunAsync(Kubeconfig, _cluster.Root, args, Bound, Token);
        Assert.True(code == 0, stderr);
        return new CliRun(code, stdout, stderr);
    }
}
