using System.Diagnostics;
using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Upgrade;

/// <summary>
/// upgrade preflight and apply on three stacked control planes, each with its own real etcd member: a stopped member
/// is a no-go naming its node, and v1.31 -> v1.32 (etcd 3.5.15-0 -> 3.5.16-0) restarts one member at a time while the
/// real etcdctl, sampling every member from outside, never sees fewer than two healthy.
/// </summary>
public sealed class UpgradeApplyHaTests
{
    private static readonly string[] ControlPlanes = ["cp-1", "cp-2", "cp-3"];
    private static readonly TimeSpan SampleBound = TimeSpan.FromMinutes(3);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Preflight_WithTheEtcdMemberOfCp3Stopped_IsNoGoNamingCp3()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.31.14", controlPlanes: 3, workers: 2);
        var fault = await CliRun.InvokeAsync("sim", "fault", "--dir", sim.SimDir, "cp-3", "etcd-stop");
        Assert.True(fault.ExitCode == ExitCodes.Ok, fault.Stderr);

        var run = await CliRun.InvokeAsync("upgrade", "preflight", "--kubeconfig", sim.Kubeconfig, "--releases", sim.Releases, "--to", "v1.32", "-o", "json");

        Assert.True(run.ExitCode == ExitCodes.Blocked, run.Stderr + run.Stdout);
        using var report = JsonDocument.Parse(run.Stdout);
        var etcd = report.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "etcd healthy");
        Assert.Equal("Fail", etcd.GetProperty("verdict").GetString(), StringComparer.OrdinalIgnoreCase);
        Assert.Contains("etcd on cp-3 does not answer: upgrading another control plane would leave 1 of 3", etcd.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("etcd on cp-1", etcd.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_OnThreeStackedControlPlanes_RestartsOneEtcdMemberAtATime_AndNeverHasFewerThanTwoHealthy()
    {
        await using var sim = await UpgradeSim.StartAsync("v1.31.14", controlPlanes: 3, workers: 2);
        var endpoints = string.Join(",", sim.Sim.EtcdEndpoints);
        Assert.Equal(3, sim.Sim.EtcdEndpoints.Count);
        var pidsBefore = ControlPlanes.ToDictionary(n => n, n => sim.Sim.Etcd.On(n)!.Process.Pid);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        stop.CancelAfter(SampleBound);
        var samples = new List<(TimeSpan At, int Healthy, string Raw)>();
        var clock = Stopwatch.StartNew();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var health = await EtcdFixture.RunEtcdctlOfflineAsync(
                    ["--endpoints=" + endpoints, "--dial-timeout=1s", "--command-timeout=2s", "endpoint", "health", "-w", "json"], CancellationToken.None);
                using (var doc = JsonDocument.Parse(health.Stdout.Length > 0 ? health.Stdout : "[]"))
                {
                    samples.Add((clock.Elapsed, doc.RootElement.EnumerateArray().Count(e => e.GetProperty("health").GetBoolean()), health.Stdout.Trim() + health.Stderr.Trim()));
                }

                await Task.Delay(200, CancellationToken.None);
            }
        }, CancellationToken.None);

        var run = await sim.ApplyAsync("--to", "v1.32", "--canary", "0");
        await stop.CancelAsync();
        await sampler.WaitAsync(TimeSpan.FromSeconds(10), Token);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr + run.Stdout);
        Assert.True(samples.Count > 20, $"etcdctl sampled the members only {samples.Count} times");
        var worst = samples.MinBy(s => s.Healthy);
        Assert.True(worst.Healthy >= 2, $"at {worst.At}: {worst.Healthy} of 3 members healthy: {worst.Raw}");

        // Every member restarted (a new process; the sim's restart is often quicker than one etcdctl round, so the samples
        // need not catch it down) on etcd 3.5.16-0, and the pre-upgrade backup came from the three of them.
        Assert.All(ControlPlanes, n => Assert.NotEqual(pidsBefore[n], sim.Sim.Etcd.On(n)!.Process.Pid));
        var images = await sim.KubectlAsync("-n", "kube-system", "get", "pods", "-l", "component=etcd", "-o", "jsonpath={.items[*].spec.containers[0].image}");
        Assert.Equal(Enumerable.Repeat("registry.k8s.io/etcd:3.5.16-0", 3), images.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var journal = await sim.JournalAsync();
        Assert.True(journal.Finished);
        Assert.NotNull(journal.Backup);
        Assert.Contains($"from etcd at {endpoints}", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("etcd members healthy and caught up", run.Stderr, StringComparison.Ordinal);
    }
}
