using k8s;
using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Restore;
using Pitcrew.Sim;
using Pitcrew.Testing;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Restore;

/// <summary>
/// pitcrew cluster restore --executor sim end to end: a snapshot of the sim's etcd, a namespace full of workloads
/// deleted, the runbook performed through the node agent (the sim's own etcd stopped, its data dir swapped for the
/// restored member, started again), and the namespace back as the real kubectl sees it, with controllers acting on it.
/// </summary>
public sealed class ClusterRestoreSimTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly SimFixture _cluster = new("pitcrew-cluster-restore-");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Kubeconfig => _cluster.Sim.KubeconfigPath;

    public async ValueTask InitializeAsync()
    {
        await _cluster.StartAsync(new SimOptions(_cluster.SimDir, ControlPlanes: 1, Workers: 2), Token);
    }

    [Fact]
    public async Task Restore_BringsBackADeletedNamespace_ServedByTheSimsApi_AndKeepsTheOldDataDir()
    {
        var manifest = Path.Combine(_cluster.Root, "shop.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: v1
            kind: Namespace
            metadata: { name: shop }
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: prices, namespace: shop }
            data: { apple: "3", pear: "5" }
            ---
            apiVersion: v1
            kind: Secret
            metadata: { name: till, namespace: shop }
            data: { code: MTIzNA== }
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: shop }
            spec: { selector: { app: web }, ports: [ { port: 80 } ] }
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web, namespace: shop }
            spec:
              replicas: 2
              selector: { matchLabels: { app: web } }
              template:
                metadata: { labels: { app: web } }
                spec: { containers: [ { name: web, image: nginx:1.27 } ] }
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: worker, namespace: shop }
            spec:
              replicas: 1
              selector: { matchLabels: { app: worker } }
              template:
                metadata: { labels: { app: worker } }
                spec: { containers: [ { name: worker, image: busybox:1.36 } ] }
            """, Token);
        await KubectlAsync("apply", "-f", manifest);
        await WaitAsync(async () => (await KubectlAsync("get", "pods", "-n", "shop", "-o", "name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3);

        var snapshot = Path.Combine(_cluster.Root, "before.db");
        var saved = await CliRun.InvokeAsync("etcd", "snapshot", "save", snapshot, "--endpoints", _cluster.Sim.EtcdEndpoint);
        Assert.True(saved.ExitCode == 0, saved.Stderr);

        await KubectlAsync("delete", "deployment,service,configmap,secret", "--all", "-n", "shop");
        await KubectlAsync("delete", "namespace", "shop");
        Assert.NotEqual(0, (await KubectlProcess.RunAsync(Kubeconfig, _cluster.Root, ["get", "namespace", "shop"], Bound, Token)).ExitCode);
        var etcdPid = _cluster.Sim.EtcdPid;

        var state = Path.Combine(_cluster.Root, "state");
        var restore = await PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", _cluster.Sim.EtcdEndpoint,
            "--state-dir", state, "--yes", "-o", "json");
        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Stderr + restore.Stdout);

        // Served by the sim's API, as kubectl sees it.
        Assert.Equal("namespace/shop", (await KubectlAsync("get", "namespace", "shop", "-o", "name")).Stdout.Trim());
        Assert.Equal(["deployment.apps/web", "deployment.apps/worker"], Lines((await KubectlAsync("get", "deployments", "-n", "shop", "-o", "name")).Stdout));
        Assert.Equal("3 5", (await KubectlAsync("get", "configmap", "prices", "-n", "shop", "-o", "jsonpath={.data.apple} {.data.pear}")).Stdout);
        Assert.Equal("MTIzNA==", (await KubectlAsync("get", "secret", "till", "-n", "shop", "-o", "jsonpath={.data.code}")).Stdout);
        Assert.Equal("service/web", (await KubectlAsync("get", "service", "web", "-n", "shop", "-o", "name")).Stdout.Trim());

        // The sim's etcd was stopped and started again from the restored member, at the bumped revision.
        Assert.NotEqual(etcdPid, _cluster.Sim.EtcdPid);
        using var report = JsonDocument.Parse(restore.Stdout);
        var served = report.RootElement.GetProperty("servedRevision").GetInt64();
        Assert.True(served >= RestorePlanner.KubernetesBump, $"served revision {served}");
        Assert.Empty(report.RootElement.GetProperty("lost").EnumerateArray());
        Assert.Contains(report.RootElement.GetProperty("counts").EnumerateArray(),
            c => c.GetProperty("prefix").GetString() == "/registry/deployments/" && c.GetProperty("served").GetInt64() >= 2);

        // The controllers' cache relisted after the compacted watch: they act on a restored object.
        await KubectlAsync("scale", "deployment/worker", "-n", "shop", "--replicas=3");
        await WaitAsync(async () => (await KubectlAsync("get", "pods", "-n", "shop", "-l", "app=worker", "-o", "name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3);

        // The old data dir is kept beside the new one; the journal says every step is done.
        var node = (await KubectlAsync("get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "jsonpath={.items[0].metadata.name}")).Stdout;
        var aside = Assert.Single(Directory.GetDirectories(Path.Combine(_cluster.Root, "sim", "nodes", node, "var", "lib"), "etcd.before-restore-*"));
        Assert.True(File.Exists(Path.Combine(aside, "member", "snap", "db")));
        var journal = await ClusterRestoreJournal.LoadAsync(state, Token);
        Assert.True(journal!.Finished);
        Assert.Contains($"restore/{node}", journal.Done);
        Assert.Contains("verify-counts", journal.Done);

        // A second run refuses nothing twice: the finished journal does not block a new plan-only run.
        var again = await PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", _cluster.Sim.EtcdEndpoint, "--state-dir", state, "--plan-only");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.Stderr);
        Assert.Contains($"restore/{node}", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restore_FromTheChangeStream_AtTheMomentJustBeforeANamespaceWasDeleted_BringsItBack()
    {
        var store = new Uri(Path.Combine(_cluster.Root, "stream-store")).AbsoluteUri;
        Directory.CreateDirectory(new Uri(store).LocalPath);
        var endpoint = _cluster.Sim.EtcdEndpoint;
        var created = await CliRun.InvokeAsync("etcd", "backup", "create", "--store", store, "--endpoints", endpoint);
        Assert.True(created.ExitCode == ExitCodes.Ok, created.Stderr);

        DateTimeOffset beforeDelete;
        await using (var runner = Backups.PitcrewProcess.Start(new Dictionary<string, string>(), "etcd", "backup", "run", "--store", store, "--endpoints", endpoint,
            "--schedule", "0 0 1 1 *", "--continuous", "--max-delay", "200ms", "--metrics-addr", "127.0.0.1:0"))
        {
            var serving = await runner.WaitForLineAsync("serving metrics on ", Bound);
            await runner.WaitForLineAsync("change stream: following", Bound);
            await KubectlAsync("create", "namespace", "late-shop");
            await KubectlAsync("create", "configmap", "note", "-n", "late-shop", "--from-literal=text=made after the backup");
            await Task.Delay(TimeSpan.FromMilliseconds(1500), Token);
            beforeDelete = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromMilliseconds(1000), Token);
            await KubectlAsync("delete", "namespace", "late-shop");
            await WaitAsync(async () => (await KubectlProcess.RunAsync(Kubeconfig, _cluster.Root, ["get", "namespace", "late-shop"], Bound, Token)).ExitCode != 0);
            var now = (await Pitcrew.Etcd.EtcdEndpoints.StatusAsync(new Pitcrew.Etcd.EtcdConnectionOptions([endpoint]), wholeCluster: false, Token))[0].Revision;
            await Backups.BackupStreamTests.WaitStoredAsync(serving, now, runner);
            Assert.Equal(ExitCodes.Ok, await runner.TerminateAsync(Bound));
        }

        var history = await CliRun.InvokeAsync("etcd", "backup", "history", "/registry/namespaces/late-shop", "--store", store);
        Assert.Matches(@"ADDED\s+/registry/namespaces/late-shop", history.Stdout);
        Assert.Matches(@"DELETED\s+/registry/namespaces/late-shop", history.Stdout);

        var restore = await PitcrewAsync("cluster", "restore", "--from-backup", "latest", "--at", beforeDelete.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            "--store", store, "--executor", "sim", "--endpoints", endpoint, "--state-dir", Path.Combine(_cluster.Root, "stream-state"), "--yes");
        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Stderr + restore.Stdout);
        Assert.Contains("streamed change(s)", restore.Stderr, StringComparison.Ordinal);
        Assert.Equal("made after the backup", (await KubectlAsync("get", "configmap", "note", "-n", "late-shop", "-o", "jsonpath={.data.text}")).Stdout);
    }

    [Fact]
    public async Task Restore_WithTheNodesCopyMissing_StopsBeforeTouchingEtcd_AndANewRunIsNotBlocked()
    {
        await KubectlAsync("create", "namespace", "kept");
        var snapshot = Path.Combine(_cluster.Root, "before.db");
        Assert.Equal(0, (await CliRun.InvokeAsync("etcd", "snapshot", "save", snapshot, "--endpoints", _cluster.Sim.EtcdEndpoint)).ExitCode);
        await KubectlAsync("delete", "namespace", "kept");
        var state = Path.Combine(_cluster.Root, "state");
        string[] common = ["cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", _cluster.Sim.EtcdEndpoint, "--state-dir", state, "--yes"];
        var etcdPid = _cluster.Sim.EtcdPid;

        // The copy is not where --node-snapshot says: its hash check fails before etcd is stopped or anything is moved.
        var failed = await PitcrewAsync([.. common, "--node-snapshot", "/root/missing.db"]);
        Assert.True(failed.ExitCode == ExitCodes.FileNotFound, failed.Stderr);
        Assert.Contains("nothing was stopped or moved", failed.Stderr, StringComparison.Ordinal);
        Assert.Equal(etcdPid, _cluster.Sim.EtcdPid);
        var journal = await ClusterRestoreJournal.LoadAsync(state, Token);
        Assert.False(journal!.Finished);
        Assert.Empty(journal.Done);

        // The journal touched nothing, so a new run is not blocked; without --node-snapshot it uploads the copy itself.
        var restored = await PitcrewAsync([.. common, "-o", "json"]);
        Assert.True(restored.ExitCode == ExitCodes.Ok, restored.Stderr + restored.Stdout);
        Assert.Equal("namespace/kept", (await KubectlAsync("get", "namespace", "kept", "-o", "name")).Stdout.Trim());
    }

    [Fact]
    public async Task Restore_OverSsh_RunsTheRunbookThroughARealSshd_AndBringsBackADeletedNamespace()
    {
        await KubectlAsync("create", "namespace", "kept-over-ssh");
        await KubectlAsync("create", "configmap", "note", "-n", "kept-over-ssh", "--from-literal=text=hello");
        var snapshot = Path.Combine(_cluster.Root, "over-ssh.db");
        Assert.Equal(0, (await CliRun.InvokeAsync("etcd", "snapshot", "save", snapshot, "--endpoints", _cluster.Sim.EtcdEndpoint)).ExitCode);
        await KubectlAsync("delete", "namespace", "kept-over-ssh");
        await using var bridge = await SimSshBridge.StartAsync(_cluster.Root, _cluster.SimDir, ["cp-1", "worker-1", "worker-2"], Token);

        var restore = await PitcrewAsync(["cluster", "restore", "--snapshot", snapshot, .. bridge.ExecutorArgs, "--endpoints", _cluster.Sim.EtcdEndpoint,
            "--state-dir", Path.Combine(_cluster.Root, "ssh-state"), "--yes"]);

        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Stderr + restore.Stdout);
        Assert.Equal("hello", (await KubectlAsync("get", "configmap", "note", "-n", "kept-over-ssh", "-o", "jsonpath={.data.text}")).Stdout);
        var commands = bridge.CommandsOf("cp-1");
        Assert.Contains("mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml.pitcrew-restore", commands, StringComparison.Ordinal);
        Assert.Contains("sha256sum /var/lib/pitcrew/restore/over-ssh.db", commands, StringComparison.Ordinal);
        Assert.Contains("pitcrew etcd snapshot restore /var/lib/pitcrew/restore/over-ssh.db", commands, StringComparison.Ordinal);
        Assert.True(commands.IndexOf("sha256sum", StringComparison.Ordinal) < commands.IndexOf("mv /etc/kubernetes/manifests/etcd.yaml", StringComparison.Ordinal));

        // The snapshot went over SFTP (the bridge's sftp-server), then was moved into place on the node, owner-only.
        var copy = Path.Combine(_cluster.SimDir, "nodes", "cp-1", "var", "lib", "pitcrew", "restore", "over-ssh.db");
        Assert.Equal(await File.ReadAllBytesAsync(snapshot, Token), await File.ReadAllBytesAsync(copy, Token));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
        Assert.Contains("sftp-server", commands, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(bridge.SftpHome("cp-1")));
        Assert.Contains("mv /etc/kubernetes/etcd.yaml.pitcrew-restore /etc/kubernetes/manifests/etcd.yaml", commands, StringComparison.Ordinal);
        Assert.Empty(bridge.CommandsOf("worker-1"));
    }

    [Fact]
    public async Task Restore_IsRefusedWhileAnUpgradeHoldsTheClusterLock()
    {
        var snapshot = Path.Combine(_cluster.Root, "locked.db");
        Assert.Equal(0, (await CliRun.InvokeAsync("etcd", "snapshot", "save", snapshot, "--endpoints", _cluster.Sim.EtcdEndpoint)).ExitCode);
        using var client = Pitcrew.Cluster.KubeAccess.Connect(new Pitcrew.Cluster.KubeAccessOptions(Kubeconfig, null), _ => null);
        await client.CoordinationV1.CreateNamespacedLeaseAsync(new k8s.Models.V1Lease
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = Pitcrew.Upgrade.Apply.MaintenanceLock.LeaseName, NamespaceProperty = "kube-system" },
            Spec = new k8s.Models.V1LeaseSpec { HolderIdentity = "upgrade/u1@elsewhere/7", LeaseDurationSeconds = 60, RenewTime = DateTime.UtcNow },
        }, "kube-system", cancellationToken: Token);

        var refused = await PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", _cluster.Sim.EtcdEndpoint,
            "--state-dir", Path.Combine(_cluster.Root, "locked-state"), "--yes");

        Assert.True(refused.ExitCode == ExitCodes.Blocked, refused.Stderr);
        Assert.Contains("the cluster is locked by upgrade/u1@elsewhere/7", refused.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(0, _cluster.Sim.EtcdPid);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    private static string[] Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Order(StringComparer.Ordinal)];

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(250, Token);
        }
    }

    private Task<CliRun> PitcrewAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);

    private async Task<CliRun> KubectlAsync(params string[] args)
    {
        var (code, stdout, stderr) = await KubectlProcess.RunAsync(Kubeconfig, _cluster.Root, args, Bound, Token);
        Assert.True(code == 0, stderr);
        return new CliRun(code, stdout, stderr);
    }
}
