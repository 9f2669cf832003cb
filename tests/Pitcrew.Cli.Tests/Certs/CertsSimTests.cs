using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using k8s;
using Pitcrew.Certs;
using Pitcrew.Errors;
using Pitcrew.Sim;
using Pitcrew.Testing;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Certs;

/// <summary>
/// pitcrew certs check | renew on the sim: a control plane whose kubeadm leaves expire in 20 days, read through the
/// node agent and compared with its kubeadm certs check-expiration; renewed with the API polled all along and its live
/// certificate checked by a TLS handshake; bad input refused with the PKI untouched; a failed step resumed.
/// </summary>
public sealed class CertsSimTests : IAsyncLifetime
{
    private const string Scenario = """
        version: v1.30.4
        nodes:
          - { name: cp, count: 1, role: control-plane, certificatesExpireIn: 20d }
          - { name: worker, count: 2 }
        """;

    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(4);
    private readonly SimFixture _cluster = new("pitcrew-certs-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Kubeconfig => _cluster.Kubeconfig;

    private string StateDir => Path.Combine(_cluster.Root, "state");

    private string KubernetesDir => Path.Combine(_cluster.SimDir, "nodes", "cp-1", "etc", "kubernetes");

    public async ValueTask InitializeAsync() => await _cluster.StartAsync(Scenario, "certs.yaml", "v1.30.4", Token);

    [Fact]
    public async Task Check_ListsWhatKubeadmListsOnTheNode_WithTheScenariosTwentyDays()
    {
        var kubeadm = await CliRun.InvokeAsync("sim", "exec", "cp-1", "kubeadm", "certs", "check-expiration", "--dir", _cluster.SimDir);
        Assert.True(kubeadm.ExitCode == 0, kubeadm.Stderr);
        var tables = kubeadm.Stdout.Split('\n').SkipWhile(l => !l.StartsWith("CERTIFICATE ", StringComparison.Ordinal)).Where(l => l.Length > 0).ToList();
        Assert.Equal(
            ["admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf", "etcd-healthcheck-client", "etcd-peer",
                "etcd-server", "front-proxy-client", "scheduler.conf", "super-admin.conf"],
            tables.Skip(1).TakeWhile(l => !l.StartsWith("CERTIFICATE AUTHORITY", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]));

        var check = await CliRun.InvokeAsync("certs", "check", "--executor", "sim", "--kubeconfig", Kubeconfig);
        Assert.Equal(ExitCodes.Warnings, check.ExitCode);
        var lines = check.Stdout.Split('\n');
        Assert.Equal(["node/cp-1 (control plane)", "node/worker-1", "node/worker-2"], lines.Where(l => l.StartsWith("node/", StringComparison.Ordinal)));
        // Both of kubeadm's tables, line for line: the same names, order, dates and residual times.
        var ours = lines.SkipWhile(l => l != "node/cp-1 (control plane)").Skip(1).Take(tables.Count + 1).Where(l => l.Length > 0).ToList();
        Assert.Equal(tables, ours);

        var json = await CliRun.InvokeAsync("certs", "check", "cp-1", "--executor", "sim", "--kubeconfig", Kubeconfig, "-o", "json");
        var items = JsonSerializer.Deserialize<List<Item>>(json.Stdout, JsonOptions)!;
        var leaves = items.Where(i => i.Kind == "kubeadm" && !i.IsAuthority).ToList();
        Assert.Equal(11, leaves.Count);
        Assert.All(leaves, l => Assert.Contains(l.Residual, new[] { "19d", "20d" }));
        Assert.All(leaves, l => Assert.InRange(l.Expires, DateTimeOffset.UtcNow.AddDays(19), DateTimeOffset.UtcNow.AddDays(20)));
        Assert.Equal(["ca", "etcd-ca", "front-proxy-ca"], items.Where(i => i.IsAuthority).Select(i => i.Name));
        Assert.Equal("etcd-ca", leaves.Single(l => l.Name == "etcd-server").Authority);
        Assert.Equal(["kubelet-client", "kubelet-serving"], items.Where(i => i.Kind == "kubelet").Select(i => i.Name));
        Assert.All(items, i => Assert.Equal("cp-1", i.Node));
    }

    [Fact]
    public async Task RenewAll_MovesExpiryAYearOut_AndTheLiveApiCertificateWithIt_WhileTheApiKeepsServing_AndRefreshesTheKubeconfig()
    {
        var port = new Uri(_cluster.Sim.Url).Port;
        using var before = await ServedCertificate.ReadAsync("127.0.0.1", port, TimeSpan.FromSeconds(10), Token);
        Assert.InRange(before.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(19), DateTime.UtcNow.AddDays(20));

        // The user's kubeconfig, a copy of the sim's, which --update-admin-conf replaces with the renewed admin.conf.
        var user = Path.Combine(_cluster.Root, "user-kubeconfig");
        File.Copy(Kubeconfig, user);
        using var polling = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var poll = PollAsync(polling.Token);
        var renew = await CliRun.InvokeAsync(null, RunBound, "certs", "renew", "all", "--executor", "sim", "--yes", "--kubeconfig", user, "--state-dir", StateDir, "--update-admin-conf");
        await polling.CancelAsync();
        var (ok, failed) = await poll;
        Assert.True(renew.ExitCode == 0, renew.Stderr);
        Assert.Contains("serves node/cp-1's renewed apiserver certificate", renew.Stdout, StringComparison.Ordinal);

        using var after = await ServedCertificate.ReadAsync("127.0.0.1", port, TimeSpan.FromSeconds(10), Token);
        using var file = await PemAsync(Path.Combine(KubernetesDir, "pki", "apiserver.crt"));
        Assert.Equal(file.SerialNumber, after.SerialNumber);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
        Assert.InRange(after.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(364), DateTime.UtcNow.AddDays(366));

        var json = await CliRun.InvokeAsync("certs", "check", "cp-1", "--executor", "sim", "--kubeconfig", Kubeconfig, "-o", "json");
        Assert.Equal(ExitCodes.Ok, json.ExitCode);
        Assert.All(JsonSerializer.Deserialize<List<Item>>(json.Stdout, JsonOptions)!.Where(i => i.Kind == "kubeadm" && !i.IsAuthority),
            l => Assert.Equal("364d", l.Residual));

        // The copies before the run are kept: the old apiserver certificate is there.
        var aside = Directory.GetDirectories(KubernetesDir, "pki.pitcrew-*").Single();
        using (var old = await PemAsync(Path.Combine(aside, "apiserver.crt")))
        {
            Assert.Equal(before.SerialNumber, old.SerialNumber);
        }

        Assert.Equal(4, Directory.GetFiles(KubernetesDir, "*.conf.pitcrew-*").Length);
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(KubernetesDir, "admin.conf"), Token), await File.ReadAllTextAsync(user, Token));
        Assert.Equal(await File.ReadAllTextAsync(Kubeconfig, Token), await File.ReadAllTextAsync(Directory.GetFiles(_cluster.Root, "user-kubeconfig.pitcrew-*").Single(), Token));
        var (userCode, _, userErr) = await KubectlProcess.RunAsync(user, _cluster.Root, ["get", "nodes", "-o", "name"], TimeSpan.FromSeconds(60), Token);
        Assert.True(userCode == 0, userErr);
        var (code, nodes, stderr) = await _cluster.RunKubectlAsync(["get", "nodes", "-o", "name"], Token);
        Assert.True(code == 0, stderr);
        Assert.Contains("node/cp-1", nodes, StringComparison.Ordinal);
        // One control plane: its only etcd member and kube-apiserver restart, so some requests fail by design; most are served.
        Assert.True(ok > 0 && failed < ok, $"polling the API during the renewal: {ok} answered, {failed} failed");
    }

    [Fact]
    public async Task BadInput_UnknownCertificateOrNode_IsAClearError_AndTouchesNothing()
    {
        var before = Hashes();

        var name = await CliRun.InvokeAsync("certs", "renew", "apiserver", "bogus", "--executor", "sim", "--yes", "--kubeconfig", Kubeconfig, "--state-dir", StateDir);
        Assert.Equal(ExitCodes.Usage, name.ExitCode);
        Assert.Contains("unknown certificate bogus", name.Stderr, StringComparison.Ordinal);

        var node = await CliRun.InvokeAsync("certs", "renew", "all", "--node", "cp-9", "--executor", "sim", "--yes", "--kubeconfig", Kubeconfig, "--state-dir", StateDir);
        Assert.Equal(ExitCodes.Failed, node.ExitCode);
        Assert.Contains("nodes \"cp-9\" not found", node.Stderr, StringComparison.Ordinal);

        var worker = await CliRun.InvokeAsync("certs", "renew", "all", "--node", "worker-1", "--executor", "sim", "--yes", "--kubeconfig", Kubeconfig, "--state-dir", StateDir);
        Assert.Equal(ExitCodes.Failed, worker.ExitCode);
        Assert.Contains("no control-plane node", worker.Stderr, StringComparison.Ordinal);

        var check = await CliRun.InvokeAsync("certs", "check", "cp-9", "--executor", "sim", "--kubeconfig", Kubeconfig);
        Assert.Equal(ExitCodes.Failed, check.ExitCode);
        Assert.Contains("nodes \"cp-9\" not found", check.Stderr, StringComparison.Ordinal);

        var local = await CliRun.InvokeAsync("certs", "check", "--executor", "local", "--kubeconfig", Kubeconfig);
        Assert.Equal(ExitCodes.Usage, local.ExitCode);
        Assert.Contains("--executor local runs on this machine: name the one node it is (selected: 3 nodes)", local.Stderr, StringComparison.Ordinal);

        var dry = await CliRun.InvokeAsync("certs", "renew", "all", "--executor", "sim", "--dry-run", "--kubeconfig", Kubeconfig, "--state-dir", StateDir);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains("cp-1/restart/kube-apiserver/out", dry.Stderr, StringComparison.Ordinal);

        Assert.Equal(before, Hashes());
        Assert.False(File.Exists(CertsRenewJournal.PathIn(StateDir)));
    }

    [Fact]
    public async Task RenewApiserver_StepFails_StopsWithTheWayBack_ThenResumeFinishes()
    {
        using (var client = SimClient.Open(_cluster.SimDir))
        {
            await client.SetFaultAsync("cp-1", "exec-fail=kubeadm certs renew", Token);
        }

        string[] args = ["certs", "renew", "apiserver", "--executor", "sim", "--yes", "--kubeconfig", Kubeconfig, "--state-dir", StateDir];
        var failed = await CliRun.InvokeAsync(null, RunBound, args);
        Assert.Equal(ExitCodes.Partial, failed.ExitCode);
        Assert.Contains("step cp-1/renew failed", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("/etc/kubernetes/pki.pitcrew-", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains("--resume", failed.Stderr, StringComparison.Ordinal);

        using (var client = SimClient.Open(_cluster.SimDir))
        {
            await client.SetFaultAsync("cp-1", "clear", Token);
        }

        var again = await CliRun.InvokeAsync(null, RunBound, args);
        Assert.Equal(ExitCodes.Blocked, again.ExitCode);
        Assert.Contains("add --resume", again.Stderr, StringComparison.Ordinal);

        var resumed = await CliRun.InvokeAsync(null, RunBound, [.. args, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("skip  cp-1/backup (done before)", resumed.Stderr, StringComparison.Ordinal);
        // Only kube-apiserver uses the apiserver certificate: the other static pods stay as they were.
        Assert.Contains("cp-1/restart/kube-apiserver/ready", resumed.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("cp-1/restart/etcd", resumed.Stderr, StringComparison.Ordinal);
        using var file = await PemAsync(Path.Combine(KubernetesDir, "pki", "apiserver.crt"));
        Assert.InRange(file.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(364), DateTime.UtcNow.AddDays(366));
        using var admin = await PemAsync(Path.Combine(KubernetesDir, "pki", "apiserver-kubelet-client.crt"));
        Assert.InRange(admin.NotAfter.ToUniversalTime(), DateTime.UtcNow.AddDays(19), DateTime.UtcNow.AddDays(20));
    }

    [Fact]
    public async Task KubeadmRenew_IsServedOnlyOnceKubeApiserverRestarts()
    {
        var port = new Uri(_cluster.Sim.Url).Port;
        using var before = await ServedCertificate.ReadAsync("127.0.0.1", port, TimeSpan.FromSeconds(10), Token);
        await ExecOkAsync("kubeadm", "certs", "renew", "apiserver");
        using (var unchanged = await ServedCertificate.ReadAsync("127.0.0.1", port, TimeSpan.FromSeconds(10), Token))
        {
            Assert.Equal(before.SerialNumber, unchanged.SerialNumber);
        }

        await ExecOkAsync("mv", "/etc/kubernetes/manifests/kube-apiserver.yaml", "/tmp/kube-apiserver.yaml");
        await ExecOkAsync("mv", "/tmp/kube-apiserver.yaml", "/etc/kubernetes/manifests/kube-apiserver.yaml");
        using var after = await ServedCertificate.ReadAsync("127.0.0.1", port, TimeSpan.FromSeconds(10), Token);
        using var file = await PemAsync(Path.Combine(KubernetesDir, "pki", "apiserver.crt"));
        Assert.Equal(file.SerialNumber, after.SerialNumber);
        Assert.NotEqual(before.SerialNumber, after.SerialNumber);
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    private async Task ExecOkAsync(params string[] command)
    {
        var run = await CliRun.InvokeAsync(["sim", "exec", "cp-1", .. command, "--dir", _cluster.SimDir]);
        Assert.True(run.ExitCode == 0, run.Stderr);
    }

    /// <summary>Lists nodes every 100 ms until cancelled, with a fresh connection each time (a new TLS handshake); answers and failures counted.</summary>
    private async Task<(int Ok, int Failed)> PollAsync(CancellationToken cancellationToken)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig);
        var (ok, failed) = (0, 0);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var client = new Kubernetes(config);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await client.CoreV1.ListNodeAsync(cancellationToken: timeout.Token);
                ok++;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or k8s.Autorest.HttpOperationException or OperationCanceledException)
            {
                failed++;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        return (ok, failed);
    }

    private static async Task<X509Certificate2> PemAsync(string path) => X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(path, Token));

    /// <summary>Every file under the control plane's /etc/kubernetes, hashed.</summary>
    private Dictionary<string, string> Hashes() => Directory.GetFiles(KubernetesDir, "*", SearchOption.AllDirectories)
        .ToDictionary(f => Path.GetRelativePath(KubernetesDir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record Item(string Node, string Name, string Kind, DateTimeOffset Expires, string Residual, string? Authority, bool IsAuthority, bool ExternallyManaged);
}
