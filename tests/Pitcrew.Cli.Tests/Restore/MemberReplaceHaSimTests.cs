using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.MemberReplace;

namespace Pitcrew.Cli.Tests.Restore;

/// <summary>
/// pitcrew etcd member replace on the HA sim (three control planes, one real etcd member each): a member whose data was
/// destroyed comes back as a new voting member with the cluster's data, read with the real etcdctl.
/// </summary>
public sealed class MemberReplaceHaSimTests(HaSimFixture sim) : IClassFixture<HaSimFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Replace_OfACorruptMember_BringsItBackAsANewVoterWithTheSameNameAndPeerUrl_ServingTheData()
    {
        await HaSimFixture.EtcdctlOkAsync(sim.Sim.EtcdEndpoints[0], "put", "/replace/before", "written before the corruption");
        var old = await MembersAsync();
        var corrupt = await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-2", "etcd-corrupt");
        Assert.True(corrupt.ExitCode == ExitCodes.Ok, corrupt.Stderr);
        var start = await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-2", "etcd-start");
        Assert.NotEqual(ExitCodes.Ok, start.ExitCode);
        Assert.Contains("etcd member cp-2 did not start", start.Stderr, StringComparison.Ordinal);
        await WaitForPodReasonAsync("etcd-cp-2", "CrashLoopBackOff");
        var asideBefore = Directory.GetDirectories(sim.NodePath("cp-2", "/var/lib"), "etcd.pitcrew-*").Length;
        var state = Path.Combine(sim.Root, "state-replace");

        var replace = await sim.PitcrewAsync("etcd", "member", "replace", "cp-2", "--executor", "sim", "--endpoints", sim.Endpoints, "--state-dir", state, "--yes", "-o", "json");

        Assert.True(replace.ExitCode == ExitCodes.Ok, replace.Stderr + replace.Stdout);
        var now = await MembersAsync();
        Assert.Equal(HaSimFixture.ControlPlanes, now.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(now, m => Assert.False(m.Learner));
        Assert.All(now, m => Assert.NotEmpty(m.ClientUrls));
        var (before, after) = (old.Single(m => m.Name == "cp-2"), now.Single(m => m.Name == "cp-2"));
        Assert.NotEqual(before.Id, after.Id);
        Assert.Equal(before.PeerUrls, after.PeerUrls);
        Assert.Equal(old.Where(m => m.Name != "cp-2").Select(m => m.Id), now.Where(m => m.Name != "cp-2").Select(m => m.Id));
        var value = await HaSimFixture.EtcdctlOkAsync(after.ClientUrls[0], "get", "/replace/before", "--print-value-only", "--consistency=s");
        Assert.Equal("written before the corruption", value.Trim());
        Assert.Equal(asideBefore + 1, Directory.GetDirectories(sim.NodePath("cp-2", "/var/lib"), "etcd.pitcrew-*").Length);
        using var report = JsonDocument.Parse(replace.Stdout);
        Assert.Equal(after.Id, report.RootElement.GetProperty("newId").GetString());
        Assert.True(Directory.Exists(Path.Combine(sim.NodePath("cp-2", report.RootElement.GetProperty("aside").GetString()!), "member")));
        Assert.True((await MemberReplaceJournal.LoadAsync(state, Token))!.Finished);
        await WaitForPodReasonAsync("etcd-cp-2", null);
    }

    [Fact]
    public async Task Replace_InterruptedAfterTheMemberWasRemoved_FinishesOnResume()
    {
        Assert.Equal(ExitCodes.Ok, (await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-3", "etcd-corrupt")).ExitCode);
        Assert.Equal(ExitCodes.Ok, (await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-3", "exec-fail=mkdir")).ExitCode);
        var state = Path.Combine(sim.Root, "state-replace-resume");
        string[] replace = ["etcd", "member", "replace", "cp-3", "--executor", "sim", "--endpoints", sim.Endpoints, "--state-dir", state, "--yes"];

        var failed = await sim.PitcrewAsync(replace);

        Assert.True(failed.ExitCode == ExitCodes.Partial, failed.Stderr);
        Assert.Contains("step fresh-dir/cp-3 failed on node/cp-3", failed.Stderr, StringComparison.Ordinal);
        var journal = await MemberReplaceJournal.LoadAsync(state, Token);
        Assert.Equal("move-aside/cp-3", journal!.Done[^1]);
        Assert.Equal(["cp-1", "cp-2"], (await MembersAsync()).Select(m => m.Name).Order(StringComparer.Ordinal));
        var again = await sim.PitcrewAsync(replace);
        Assert.Equal(ExitCodes.Blocked, again.ExitCode);
        Assert.Contains("an unfinished replace of node cp-3", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, (await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-3", "clear")).ExitCode);

        var resumed = await sim.PitcrewAsync([.. replace, "--resume"]);

        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr + resumed.Stdout);
        Assert.Contains("skip  remove-member (done before)", resumed.Stderr, StringComparison.Ordinal);
        var now = await MembersAsync();
        Assert.Equal(HaSimFixture.ControlPlanes, now.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(now, m => Assert.False(m.Learner));
        Assert.True((await MemberReplaceJournal.LoadAsync(state, Token))!.Finished);
    }

    [Fact]
    public async Task Replace_OfAnUnknownNode_OrWhileAnotherMemberIsDown_IsRefused_AndTouchesNothing()
    {
        var before = await MembersAsync();
        var state = Path.Combine(sim.Root, "state-replace-refused");

        var unknown = await sim.PitcrewAsync("etcd", "member", "replace", "cp-9", "--executor", "sim", "--endpoints", sim.Endpoints, "--state-dir", state, "--yes");
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);
        Assert.Contains("node cp-9 hosts no etcd member: the members are", unknown.Stderr, StringComparison.Ordinal);

        // No --endpoints: found through the etcd pods, as doctor and upgrade find them.
        var dry = await sim.PitcrewAsync("etcd", "member", "replace", "cp-1", "--executor", "sim", "--state-dir", state, "--dry-run");
        Assert.True(dry.ExitCode == ExitCodes.Ok, dry.Stderr);
        Assert.Contains($"replace etcd member cp-1 ({before.Single(m => m.Name == "cp-1").Id}, peer {before.Single(m => m.Name == "cp-1").PeerUrls[0]}) on node cp-1",
            dry.Stderr, StringComparison.Ordinal);
        Assert.Contains("mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml.pitcrew-replace", dry.Stderr, StringComparison.Ordinal);

        await using (await Pitcrew.Upgrade.Apply.MaintenanceLock.AcquireAsync(Pitcrew.Cluster.KubeAccess.Connect(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Kubeconfig)),
            Pitcrew.Upgrade.Apply.LockHolder.Here("upgrade", "test"), "an upgrade in a test", TimeSpan.FromMinutes(1), takeOver: false, TimeProvider.System, _ => { }, Token))
        {
            var locked = await sim.PitcrewAsync("etcd", "member", "replace", "cp-2", "--executor", "sim", "--endpoints", sim.Endpoints, "--state-dir", state, "--yes");
            Assert.Equal(ExitCodes.Blocked, locked.ExitCode);
            Assert.Contains("(an upgrade in a test)", locked.Stderr, StringComparison.Ordinal);
        }

        Assert.Equal(ExitCodes.Ok, (await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-3", "etcd-stop")).ExitCode);
        try
        {
            var blocked = await sim.PitcrewAsync("etcd", "member", "replace", "cp-2", "--executor", "sim", "--endpoints", sim.Endpoints, "--state-dir", state, "--yes");
            Assert.Equal(ExitCodes.Blocked, blocked.ExitCode);
            Assert.Contains("the quorum does not hold without node cp-2's member: removing member cp-2 leaves 1 healthy of 2 voting members", blocked.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Assert.Equal(ExitCodes.Ok, (await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-3", "etcd-start")).ExitCode);
        }

        Assert.Equal(before.Select(m => m.Id).Order(StringComparer.Ordinal), (await MembersAsync()).Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.False(File.Exists(Path.Combine(state, MemberReplaceJournal.FileName)));
        Assert.Equal(HaSimFixture.ControlPlanes, sim.Sim.Etcd.Members.Select(m => m.Node));
        Assert.All(sim.Sim.Etcd.Members, m => Assert.True(m.Running));
    }

    [Fact]
    public async Task Replace_OverSsh_RunsTheRunbookThroughARealSshd_AndUploadsTheRewrittenManifestOverSftp()
    {
        var old = await MembersAsync();
        Assert.Equal(ExitCodes.Ok, (await sim.PitcrewAsync("sim", "fault", "--dir", sim.SimDir, "cp-1", "etcd-corrupt")).ExitCode);
        await using var bridge = await SimSshBridge.StartAsync(sim.Root, sim.SimDir, ["cp-1", "cp-2", "cp-3"], Token);

        var replace = await sim.PitcrewAsync(["etcd", "member", "replace", "cp-1", .. bridge.ExecutorArgs, "--endpoints", sim.Endpoints,
            "--state-dir", Path.Combine(sim.Root, "state-replace-ssh"), "--yes"]);

        Assert.True(replace.ExitCode == ExitCodes.Ok, replace.Stderr + replace.Stdout);
        var now = await MembersAsync();
        Assert.Equal(HaSimFixture.ControlPlanes, now.Select(m => m.Name).Order(StringComparer.Ordinal));
        Assert.All(now, m => Assert.False(m.Learner));
        Assert.NotEqual(old.Single(m => m.Name == "cp-1").Id, now.Single(m => m.Name == "cp-1").Id);
        var commands = bridge.CommandsOf("cp-1");
        Assert.Contains("mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml.pitcrew-replace", commands, StringComparison.Ordinal);
        Assert.Contains("mkdir -m 0700 /var/lib/etcd", commands, StringComparison.Ordinal);
        Assert.Contains("cat /etc/kubernetes/etcd.yaml.pitcrew-replace", commands, StringComparison.Ordinal);
        Assert.Contains("mv -f /etc/kubernetes/etcd.yaml.pitcrew-replace.part /etc/kubernetes/etcd.yaml.pitcrew-replace", commands, StringComparison.Ordinal);
        Assert.Contains("- --initial-cluster-state=existing", await File.ReadAllTextAsync(sim.NodePath("cp-1", "/etc/kubernetes/manifests/etcd.yaml"), Token),
            StringComparison.Ordinal);
        Assert.Empty(bridge.CommandsOf("cp-2"));
    }

    private sealed record Listed(string Id, string Name, IReadOnlyList<string> PeerUrls, IReadOnlyList<string> ClientUrls, bool Learner);

    /// <summary>The member list as the real etcdctl prints it (JSON), from cp-1's member.</summary>
    private async Task<IReadOnlyList<Listed>> MembersAsync()
    {
        using var json = JsonDocument.Parse(await HaSimFixture.EtcdctlOkAsync(sim.Sim.EtcdEndpoints[0], "member", "list", "-w", "json"));
        return [.. json.RootElement.GetProperty("members").EnumerateArray().Select(m => new Listed(
            m.GetProperty("ID").GetUInt64().ToString("x", System.Globalization.CultureInfo.InvariantCulture),
            m.TryGetProperty("name", out var name) ? name.GetString()! : string.Empty,
            [.. m.GetProperty("peerURLs").EnumerateArray().Select(u => u.GetString()!)],
            m.TryGetProperty("clientURLs", out var clients) ? [.. clients.EnumerateArray().Select(u => u.GetString()!)] : [],
            m.TryGetProperty("isLearner", out var learner) && learner.GetBoolean()))];
    }

    /// <summary>Waits (bounded) until the pod's first container waits with this reason, or (null) does not wait at all.</summary>
    private async Task WaitForPodReasonAsync(string pod, string? reason)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);
        bound.CancelAfter(HaSimFixture.Bound);
        var seen = string.Empty;
        while (!bound.IsCancellationRequested)
        {
            var (code, stdout, _) = await sim.RunKubectlAsync(["get", "pod", pod, "-n", "kube-system", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}"], Token);
            seen = stdout.Trim();
            if (code == 0 && seen == (reason ?? string.Empty))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), Token);
        }

        Assert.Fail($"pod {pod}: waiting reason \"{seen}\", want \"{reason}\"");
    }
}
