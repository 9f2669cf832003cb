using System.Diagnostics;
using System.Text;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using k8s;
using k8s.Models;
using Pitcrew.Cli.Tests.Restore;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Testing;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Cli.Tests;

/// <summary>
/// The NOSPACE runbook's pieces on real etcd: defrag with a rule and with writers running through every member,
/// compact with its plan (etcdctl's output, etcdctl's view after), and on the HA sim the maintenance lock.
/// </summary>
public sealed class EtcdMaintenanceCommandTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DefragWithWritersOnEveryMember_NoWriteFails_EveryFileShrinks_LeaderLast()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        await EtcdDefragCommandTests.FragmentAsync(etcd, blobs: 300);
        var before = await EtcdDefragCommandTests.SizesAsync(etcd);
        var leader = (await EtcdEndpoints.StatusAsync(etcd.Connection(), wholeCluster: false, Token)).Single(s => s.IsLeader).Endpoint;

        // One writer per member, each through its own member only, until the defrag is over.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var writers = Enumerable.Range(0, 3).Select(i => WriteUntilAsync(etcd, i, stop.Token)).ToList();
        await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        var run = await CliRun.InvokeAsync("etcd", "defrag", "--cluster", "--endpoints", etcd.Endpoint, "--rule", "dbSize - dbSizeInUse > 1024*1024");
        await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        await stop.CancelAsync();
        var written = await Task.WhenAll(writers);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var done = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, done.Length);
        Assert.All(done, line => Assert.StartsWith("Finished defragmenting etcd member[", line, StringComparison.Ordinal));
        Assert.StartsWith($"Finished defragmenting etcd member[{leader}]", done[2], StringComparison.Ordinal);
        foreach (var (member, writes, failures) in written)
        {
            Assert.True(failures.Count == 0, $"writes through member {member} failed: {string.Join("; ", failures)}");
            Assert.True(writes >= 5, $"member {member}: only {writes} writes");
        }

        var after = await EtcdDefragCommandTests.SizesAsync(etcd);
        Assert.All(before.Keys, endpoint => Assert.True(after[endpoint] < before[endpoint] / 2, $"{endpoint}: {before[endpoint]} -> {after[endpoint]}"));

        // Every write acknowledged is there, as the real etcdctl counts them.
        var keys = await etcd.RunEtcdctlAsync(["get", "--prefix", "/writer/", "--keys-only"], etcd.Endpoints, Token);
        Assert.Equal(written.Sum(w => w.Writes), keys.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task DefragRule_FalseSkipsEveryMember_ABadRuleIsExit2AndTouchesNothing()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        await EtcdDefragCommandTests.FragmentAsync(etcd, blobs: 60);
        var before = await EtcdDefragCommandTests.SizesAsync(etcd);

        var skipped = await CliRun.InvokeAsync("etcd", "defrag", "--cluster", "--endpoints", etcd.Endpoint,
            "--defrag-rule", "dbQuotaUsage > 0.8", "--etcd-storage-quota-bytes", "1073741824");
        Assert.True(skipped.ExitCode == ExitCodes.Ok, skipped.Stderr);
        var lines = skipped.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.Contains("of the quota: the rule is false, skipped", line, StringComparison.Ordinal));

        var bad = await CliRun.InvokeAsync("etcd", "defrag", "--cluster", "--endpoints", etcd.Endpoint, "--rule", "dbSize > > 1");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("defrag rule \"dbSize > > 1\"", bad.Stderr, StringComparison.Ordinal);
        Assert.Empty(bad.Stdout);
        Assert.Equal(before, await EtcdDefragCommandTests.SizesAsync(etcd));
    }

    [Fact]
    public async Task Compact_PrintsThePlanThenEtcdctlsLine_AndOldRevisionsAreGoneForEtcdctlToo()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        for (var i = 0; i < 10; i++)
        {
            await etcd.PutAsync("/compact/key", $"v{i}");
        }

        var current = await etcd.RevisionAsync();
        var target = current - 3;
        var plan = await CliRun.InvokeAsync("etcd", "compact", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dry-run", "--endpoints", etcd.Endpoints);
        Assert.True(plan.ExitCode == ExitCodes.Ok, plan.Stderr);
        Assert.StartsWith($"compact etcd history to revision {target} (current revision {current}", plan.Stdout, StringComparison.Ordinal);
        var old = await etcd.RunEtcdctlAsync(["get", "/compact/key", $"--rev={target - 1}"], etcd.Endpoints, Token);
        Assert.Equal(0, old.ExitCode); // the dry run dropped nothing

        var future = await CliRun.InvokeAsync("etcd", "compact", (current + 100).ToString(System.Globalization.CultureInfo.InvariantCulture), "--endpoints", etcd.Endpoints);
        Assert.Equal(ExitCodes.Usage, future.ExitCode);
        Assert.Contains("is a future revision", future.Stderr, StringComparison.Ordinal);

        var run = await CliRun.InvokeAsync("etcd", "compact", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--physical", "--endpoints", etcd.Endpoints);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        Assert.Equal($"compacted revision {target}\n", run.Stdout);
        Assert.Contains("reads and watches before", run.Stderr, StringComparison.Ordinal);
        var gone = await etcd.RunEtcdctlAsync(["get", "/compact/key", $"--rev={target - 1}"], etcd.Endpoints, Token);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("required revision has been compacted", gone.Stderr, StringComparison.Ordinal);
        var kept = await etcd.RunEtcdctlAsync(["get", "/compact/key", $"--rev={target}", "--print-value-only"], etcd.Endpoints, Token);
        Assert.Equal("v6", kept.Stdout.Trim());

        // Again: already compacted, as etcd says, exit 1. Without REV: the current revision, as the NOSPACE runbook wants.
        var again = await CliRun.InvokeAsync("etcd", "compact", target.ToString(System.Globalization.CultureInfo.InvariantCulture), "--endpoints", etcd.Endpoints);
        Assert.Equal(ExitCodes.Failed, again.ExitCode);
        Assert.Contains("already compacted", again.Stderr, StringComparison.Ordinal);
        var latest = await CliRun.InvokeAsync("etcd", "compact", "--endpoints", etcd.Endpoints);
        Assert.True(latest.ExitCode == ExitCodes.Ok, latest.Stderr);
        Assert.Equal($"compacted revision {current}\n", latest.Stdout);

        // etcdctl itself agrees on the line it prints.
        await etcd.PutAsync("/compact/key", "v10");
        var etcdctl = await etcd.RunEtcdctlAsync(["compact", (current + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)], etcd.Endpoints, Token);
        Assert.Equal($"compacted revision {current + 1}\n", etcdctl.Stdout);
    }

    /// <summary>Puts keys through one member until stopped; each write has 15 s, and any error is kept.</summary>
    private static async Task<(int Member, int Writes, List<string> Failures)> WriteUntilAsync(EtcdFixture etcd, int member, CancellationToken stop)
    {
        using var channel = etcd.CreateChannel(member);
        var kv = new KV.KVClient(channel);
        var failures = new List<string>();
        var writes = 0;
        var clock = Stopwatch.StartNew();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var key = $"/writer/{member}/{writes:D6}";
                await kv.PutAsync(new PutRequest { Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFrom(Encoding.UTF8.GetBytes(new string('w', 512))) },
                    deadline: DateTime.UtcNow.AddSeconds(15), cancellationToken: Token);
                writes++;
            }
            catch (RpcException e)
            {
                failures.Add($"{clock.Elapsed.TotalSeconds:F1}s: {e.Status.StatusCode} {e.Status.Detail}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), Token);
        }

        return (member, writes, failures);
    }
}

/// <summary>Defrag on the HA sim: with --kubeconfig it holds the cluster's maintenance lock, refused while another run holds it.</summary>
public sealed class EtcdDefragLockTests(HaSimFixture sim) : IClassFixture<HaSimFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DefragWithKubeconfig_IsRefusedWhileAnUpgradeHoldsTheLock_ThenRunsLeaderLastAndReleasesIt()
    {
        using var client = Cluster.KubeAccess.Connect(new Cluster.KubeAccessOptions(sim.Kubeconfig, null), _ => null);
        var now = DateTime.UtcNow;
        await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = MaintenanceLock.LeaseName, NamespaceProperty = MaintenanceLock.Namespace },
            Spec = new V1LeaseSpec { HolderIdentity = "upgrade/u1@elsewhere/42", LeaseDurationSeconds = 60, AcquireTime = now, RenewTime = now },
        }, MaintenanceLock.Namespace, cancellationToken: Token);
        var refused = await sim.PitcrewAsync("etcd", "defrag", "--cluster", "--endpoints", sim.Sim.EtcdEndpoints[0], "--rule", "dbSize > 0", "--kubeconfig", sim.Kubeconfig);
        Assert.True(refused.ExitCode == ExitCodes.Blocked, refused.Stderr + refused.Stdout);
        Assert.Contains("locked by upgrade/u1@elsewhere/42", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Finished defragmenting", refused.Stdout, StringComparison.Ordinal);

        await client.CoordinationV1.DeleteNamespacedLeaseAsync(MaintenanceLock.LeaseName, MaintenanceLock.Namespace, cancellationToken: Token);
        var leader = (await EtcdEndpoints.StatusAsync(new EtcdConnectionOptions([.. sim.Sim.EtcdEndpoints]), wholeCluster: false, Token)).Single(s => s.IsLeader).Endpoint;

        // A client of the API server writes ConfigMaps the whole time (the API server spreads its requests over the members).
        using var stopWriting = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var writer = WriteConfigMapsAsync(client, stopWriting.Token);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        var run = await sim.PitcrewAsync("etcd", "defrag", "--cluster", "--endpoints", sim.Sim.EtcdEndpoints[0], "--rule", "dbSize > 0", "--kubeconfig", sim.Kubeconfig);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        await stopWriting.CancelAsync();
        var (writes, failures) = await writer;
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.True(writes >= 3, $"only {writes} writes");
        var done = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, done.Length);
        Assert.StartsWith($"Finished defragmenting etcd member[{leader}]", done[2], StringComparison.Ordinal);
        var leases = await client.CoordinationV1.ListNamespacedLeaseAsync(MaintenanceLock.Namespace, cancellationToken: Token);
        Assert.DoesNotContain(leases.Items, l => l.Metadata.Name == MaintenanceLock.LeaseName);

        // The cluster still serves through kubectl after every member paused once.
        var (code, stdout, stderr) = await sim.RunKubectlAsync(["get", "nodes", "-o", "name"], Token);
        Assert.True(code == 0, stderr);
        Assert.Equal(4, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var written = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "test=defrag-writer", cancellationToken: Token);
        Assert.Equal(writes, written.Items.Count);
    }

    private static async Task<(int Writes, List<string> Failures)> WriteConfigMapsAsync(Kubernetes client, CancellationToken stop)
    {
        var failures = new List<string>();
        var writes = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
                {
                    Metadata = new V1ObjectMeta { Name = $"defrag-writer-{writes:D4}", Labels = new Dictionary<string, string> { ["test"] = "defrag-writer" } },
                    Data = new Dictionary<string, string> { ["n"] = writes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                }, "default", cancellationToken: Token);
                writes++;
            }
            catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException)
            {
                failures.Add(e.Message);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), Token);
        }

        return (writes, failures);
    }
}
