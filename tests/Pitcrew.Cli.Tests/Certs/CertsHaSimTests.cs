using System.Text.Json;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Certs;

/// <summary>
/// certs renew on three control planes: one at a time, each stacked etcd member restarted with the quorum kept, the
/// served certificate checked where the endpoint shows that node's, and the CAs the same on every node as kubeadm copies them.
/// </summary>
public sealed class CertsHaSimTests : IAsyncLifetime
{
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(5);
    private readonly SimFixture _cluster = new("pitcrew-certs-ha-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => await _cluster.StartAsync(new Sim.SimOptions(_cluster.SimDir, ControlPlanes: 3, Workers: 1), Token);

    [Fact]
    public async Task RenewAll_OnThreeControlPlanes_RenewsEach_OneAtATime()
    {
        var pki = new[] { "cp-1", "cp-2", "cp-3" }.Select(n => Path.Combine(_cluster.SimDir, "nodes", n, "etc", "kubernetes", "pki")).ToList();
        foreach (var file in new[] { "ca.crt", "ca.key", "etcd/ca.crt", "front-proxy-ca.crt" })
        {
            Assert.Single(pki.Select(p => File.ReadAllText(Path.Combine(p, file))).Distinct());
        }

        var renew = await CliRun.InvokeAsync(null, RunBound, "certs", "renew", "all", "--executor", "sim", "--yes", "--kubeconfig", _cluster.Kubeconfig,
            "--state-dir", Path.Combine(_cluster.Root, "state"));
        Assert.True(renew.ExitCode == 0, renew.Stderr);
        Assert.Contains("serves node/cp-1's renewed apiserver certificate", renew.Stdout, StringComparison.Ordinal);
        Assert.Contains("node/cp-3's not checked there", renew.Stdout, StringComparison.Ordinal);
        var order = new[] { "cp-1/verify", "cp-2/backup", "cp-2/verify", "cp-3/backup" }.Select(id => renew.Stderr.IndexOf("run   " + id, StringComparison.Ordinal)).ToList();
        Assert.Equal(order.Order(), order);
        Assert.DoesNotContain(-1, order);

        var check = await CliRun.InvokeAsync("certs", "check", "-l", "node-role.kubernetes.io/control-plane=", "--executor", "sim", "--kubeconfig", _cluster.Kubeconfig, "-o", "json");
        Assert.True(check.ExitCode == 0, check.Stderr);
        using var items = JsonDocument.Parse(check.Stdout);
        var leaves = items.RootElement.EnumerateArray().Where(i => i.GetProperty("kind").GetString() == "kubeadm" && !i.GetProperty("isAuthority").GetBoolean()).ToList();
        Assert.Equal(33, leaves.Count);
        Assert.All(leaves, l => Assert.Equal("364d", l.GetProperty("residual").GetString()));
        Assert.All(pki, p => Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(p)!, "pki.pitcrew-*")));

        var (code, pods, stderr) = await _cluster.RunKubectlAsync(["get", "pods", "-n", "kube-system", "-l", "component=etcd", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}"], Token);
        Assert.True(code == 0, stderr);
        Assert.Equal("True True True", pods.Trim());
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();
}
