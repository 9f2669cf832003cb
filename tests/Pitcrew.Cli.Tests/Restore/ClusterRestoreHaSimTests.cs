using System.Text.Json;
using Pitcrew.Cluster;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Executors;
using Pitcrew.Restore;

namespace Pitcrew.Cli.Tests.Restore;

/// <summary>
/// pitcrew cluster restore on three control planes, each running a real etcd member: the snapshot copied to every node
/// and checked there, every member restored from it with one new token, and the result read with the real etcdctl.
/// </summary>
public sealed class ClusterRestoreHaSimTests(HaSimFixture sim) : IClassFixture<HaSimFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restore_OnThreeControlPlanes_UploadsTheSnapshotEverywhere_AndEveryMemberServesItsKeys_InOneNewCluster()
    {
        var before = await HaSimFixture.EtcdctlOkAsync(sim.Sim.EtcdEndpoints[0], "endpoint", "status", "-w", "json");
        var snapshot = await sim.SnapshotWithKeysAsync("ha-upload", 20, "ha-upload");
        var state = Path.Combine(sim.Root, "state-upload");
        // Other tests of the class may have restored before: this restore moves one more data dir aside on each node.
        var asideBefore = HaSimFixture.ControlPlanes.ToDictionary(n => n, n => Directory.GetDirectories(sim.NodePath(n, "/var/lib"), "etcd.before-restore-*").Length);

        var restore = await sim.PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", sim.Endpoints,
            "--state-dir", state, "--yes", "-o", "json");

        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Stderr + restore.Stdout);
        var clusterId = await sim.AssertRestoredAsync("ha-upload", 20);
        using (var old = JsonDocument.Parse(before))
        {
            Assert.NotEqual(old.RootElement[0].GetProperty("Status").GetProperty("header").GetProperty("cluster_id").GetRawText(), clusterId);
        }

        foreach (var node in HaSimFixture.ControlPlanes)
        {
            var copy = sim.NodePath(node, "/var/lib/pitcrew/restore/ha-upload.db");
            Assert.Equal(await File.ReadAllBytesAsync(snapshot, Token), await File.ReadAllBytesAsync(copy, Token));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
            Assert.Equal(asideBefore[node] + 1, Directory.GetDirectories(sim.NodePath(node, "/var/lib"), "etcd.before-restore-*").Length);
        }

        using var report = JsonDocument.Parse(restore.Stdout);
        var members = report.RootElement.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Empty(m.GetProperty("lost").EnumerateArray()));
        Assert.Single(members.Select(m => m.GetProperty("clusterId").GetString()).Distinct());
        var journal = await ClusterRestoreJournal.LoadAsync(state, Token);
        Assert.True(journal!.Finished);
        Assert.Equal(["upload/cp-1", "upload/cp-2", "upload/cp-3"], journal.Done.Take(3).Order(StringComparer.Ordinal));
        Assert.Equal(["check-snapshot/cp-1", "check-snapshot/cp-2", "check-snapshot/cp-3"], journal.Done.Skip(3).Take(3).Order(StringComparer.Ordinal));
        Assert.Contains("verify-members", journal.Done);
    }

    [Fact]
    public async Task Restore_WithATamperedCopyOnOneNode_StopsBeforeAnyManifestIsParkedOrDataDirMoved()
    {
        var snapshot = await sim.SnapshotWithKeysAsync("ha-tamper", 3, "ha-tamper");
        var bytes = await File.ReadAllBytesAsync(snapshot, Token);
        foreach (var node in HaSimFixture.ControlPlanes)
        {
            var copy = sim.NodePath(node, "/root/ha-tamper.db");
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            var content = (byte[])bytes.Clone();
            if (node == "cp-2")
            {
                content[4096 + 100] ^= 0xff;
            }

            await File.WriteAllBytesAsync(copy, content, Token);
        }

        var asideBefore = HaSimFixture.ControlPlanes.Sum(n => Directory.GetDirectories(sim.NodePath(n, "/var/lib"), "etcd.before-restore-*").Length);
        var pids = sim.Sim.Etcd.Members.Select(m => m.Process.Pid).ToList();

        var refused = await sim.PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", sim.Endpoints,
            "--state-dir", Path.Combine(sim.Root, "state-tamper"), "--node-snapshot", "/root/ha-tamper.db", "--yes");

        Assert.True(refused.ExitCode == ExitCodes.Corrupt, refused.Stderr);
        var expected = await SnapshotHashes.OfFileAsync(snapshot, Token);
        var tampered = await SnapshotHashes.OfFileAsync(sim.NodePath("cp-2", "/root/ha-tamper.db"), Token);
        var said = System.Text.RegularExpressions.Regex.Replace(refused.Stderr, @"\s+", " ");
        Assert.True(said.Contains($"the snapshot copy /root/ha-tamper.db on node/cp-2 has SHA-256 {tampered}, the file here {expected}; nothing was stopped or moved",
            StringComparison.Ordinal), refused.Stderr);
        Assert.Equal(pids, sim.Sim.Etcd.Members.Select(m => m.Process.Pid));
        Assert.Equal(asideBefore, HaSimFixture.ControlPlanes.Sum(n => Directory.GetDirectories(sim.NodePath(n, "/var/lib"), "etcd.before-restore-*").Length));
        foreach (var node in HaSimFixture.ControlPlanes)
        {
            var (code, _, stderr) = await sim.RunKubectlAsync(["get", "pod", $"etcd-{node}", "-n", "kube-system", "-o", "name"], Token);
            Assert.True(code == 0, stderr);
        }

        var journal = await ClusterRestoreJournal.LoadAsync(Path.Combine(sim.Root, "state-tamper"), Token);
        Assert.DoesNotContain(journal!.Done, ClusterRestoreProcedure.Touches);
    }

    [Fact]
    public async Task Restore_InterruptedAtTheSecondMembersRestore_FinishesOnResume()
    {
        var snapshot = await sim.SnapshotWithKeysAsync("ha-resume", 7, "ha-resume");
        var state = Path.Combine(sim.Root, "state-resume");
        var request = new ClusterRestoreRequest(snapshot, null, null, null, null, null, ClusterRestoreProcedure.DefaultDataDir, ClusterRestoreProcedure.DefaultManifestDir,
            state, true, false, false, new EtcdConnectionOptions([.. sim.Sim.EtcdEndpoints]), new KubeAccessOptions(sim.Kubeconfig, null));
        var services = new ClusterRestoreServices(TimeProvider.System, name => name == "KUBECONFIG" ? sim.Kubeconfig : null,
            () => throw new InvalidOperationException("no store"), () => null,
            kube => new FailingOnce(SimNodeExecutor.Create(kube!, TimeProvider.System), "cp-2", "pitcrew etcd snapshot restore"), _ => { }, () => true, _ => { });

        var failed = await Assert.ThrowsAsync<PitcrewException>(() => ClusterRestore.RunAsync(request, services, Token));

        Assert.Equal(ExitCodes.Partial, failed.ExitCode);
        Assert.Contains("step restore/cp-2 failed on node/cp-2", failed.Message, StringComparison.Ordinal);
        var journal = await ClusterRestoreJournal.LoadAsync(state, Token);
        Assert.Contains("chown/cp-1", journal!.Done);
        Assert.Equal("move-aside/cp-2", journal.Done[^1]);
        Assert.All(sim.Sim.Etcd.Members, m => Assert.False(m.Running));

        var resumed = await sim.PitcrewAsync("cluster", "restore", "--snapshot", snapshot, "--executor", "sim", "--endpoints", sim.Endpoints,
            "--state-dir", state, "--yes", "--resume", "-o", "json");

        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        using var report = JsonDocument.Parse(resumed.Stdout);
        Assert.Equal(journal.Done, report.RootElement.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("restore/cp-2", report.RootElement.GetProperty("ran")[0].GetString());
        await sim.AssertRestoredAsync("ha-resume", 7);
    }

    [Fact]
    public async Task Restore_OverSsh_OnThreeControlPlanes_UploadsOverSftp_AndRunsTheRunbookThroughARealSshd()
    {
        var snapshot = await sim.SnapshotWithKeysAsync("ha-ssh", 5, "ha-ssh");
        await using var bridge = await SimSshBridge.StartAsync(sim.Root, sim.SimDir, ["cp-1", "cp-2", "cp-3", "worker-1"], Token);

        var restore = await sim.PitcrewAsync(["cluster", "restore", "--snapshot", snapshot, .. bridge.ExecutorArgs, "--endpoints", sim.Endpoints,
            "--state-dir", Path.Combine(sim.Root, "state-ssh"), "--yes"]);

        Assert.True(restore.ExitCode == ExitCodes.Ok, restore.Stderr + restore.Stdout);
        await sim.AssertRestoredAsync("ha-ssh", 5);
        foreach (var node in HaSimFixture.ControlPlanes)
        {
            var commands = bridge.CommandsOf(node);
            Assert.Contains(SimSshBridge.SftpServer, commands, StringComparison.Ordinal);
            Assert.Contains("mv -f /var/lib/pitcrew/restore/ha-ssh.db.part /var/lib/pitcrew/restore/ha-ssh.db", commands, StringComparison.Ordinal);
            Assert.Contains("sha256sum /var/lib/pitcrew/restore/ha-ssh.db", commands, StringComparison.Ordinal);
            Assert.Contains($"pitcrew etcd snapshot restore /var/lib/pitcrew/restore/ha-ssh.db --data-dir /var/lib/etcd --name {node}", commands, StringComparison.Ordinal);
            var copy = sim.NodePath(node, "/var/lib/pitcrew/restore/ha-ssh.db");
            Assert.Equal(await File.ReadAllBytesAsync(snapshot, Token), await File.ReadAllBytesAsync(copy, Token));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(copy));
            Assert.Empty(Directory.GetFiles(bridge.SftpHome(node)));
        }

        Assert.Empty(bridge.CommandsOf("worker-1"));
    }

    /// <summary>The sim's nodes, except that the first command on one node starting with a prefix fails as a broken node would.</summary>
    private sealed class FailingOnce(INodeExecutor inner, string node, string prefix) : INodeExecutor
    {
        private int _failed;

        public Task<CommandResult> RunAsync(string on, NodeCommand command, Action<OutputLine>? output, CancellationToken cancellationToken)
        {
            if (on == node && command.Display.StartsWith(prefix, StringComparison.Ordinal) && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                output?.Invoke(new OutputLine(OutputStream.Stderr, "Error: simulated failure"));
                return Task.FromResult(new CommandResult(on, command.Display, 1, false, TimeSpan.Zero, [new OutputLine(OutputStream.Stderr, "Error: simulated failure")]));
            }

            return inner.RunAsync(on, command, output, cancellationToken);
        }

        public Task UploadAsync(string on, string localPath, string remotePath, Action<long>? progress, CancellationToken cancellationToken) =>
            inner.UploadAsync(on, localPath, remotePath, progress, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
