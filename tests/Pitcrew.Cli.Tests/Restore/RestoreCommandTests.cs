using System.Text.Json;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Restore;

public sealed class RestoreCommandTests : IClassFixture<CliSnapshot>, IDisposable
{
    private const string Cluster = "cp1=http://127.0.0.1:12380,cp2=http://127.0.0.1:12381,cp3=http://127.0.0.1:12382";
    private readonly CliSnapshot _snapshot;
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-cli-restore-").FullName;

    public RestoreCommandTests(CliSnapshot snapshot)
    {
        _snapshot = snapshot;
    }

    [Fact]
    public async Task SnapshotRestore_WritesTheMemberAndPrintsItsIdentity()
    {
        var target = Path.Combine(_dir, "cp2");
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "restore", _snapshot.Path, "--data-dir", target, "--name", "cp2",
            "--initial-cluster", Cluster, "--initial-cluster-token", "tok", "--initial-advertise-peer-urls", "http://127.0.0.1:12381", "-o", "json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var plan = Pitcrew.Restore.RestorePlanner.PlanCluster(Cluster, "tok");
        Assert.Equal(plan.Member("cp2")!.IdHex, json.RootElement.GetProperty("memberId").GetString());
        Assert.Equal(plan.ClusterIdHex, json.RootElement.GetProperty("clusterId").GetString());
        Assert.True(json.RootElement.GetProperty("markedCompacted").GetBoolean());
        Assert.True(File.Exists(Path.Combine(target, "member", "snap", "db")));
    }

    [Fact]
    public async Task SnapshotRestore_TableOutput_TellsToRestartApiServersForKubernetesStores()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "restore", _snapshot.Path, "--data-dir", Path.Combine(_dir, "default"));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        Assert.Contains("Restored member default", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("bumped and marked compacted", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("restart every kube-apiserver", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--name", "cp9", ExitCodes.InvalidMembership, "couldn't find local name \"cp9\"")]
    [InlineData("--initial-advertise-peer-urls", "http://127.0.0.1:1", ExitCodes.InvalidMembership, "--initial-advertise-peer-urls is http://127.0.0.1:1")]
    public async Task SnapshotRestore_WithBadMembership_ExitsWithOneLine(string flag, string value, int exitCode, string fragment)
    {
        var args = new List<string> { "etcd", "snapshot", "restore", _snapshot.Path, "--data-dir", Path.Combine(_dir, "x"), "--name", "cp1",
            "--initial-cluster", Cluster, "--initial-advertise-peer-urls", "http://127.0.0.1:12380" };
        args[args.IndexOf(flag) + 1] = value;

        var run = await CliRun.InvokeAsync([.. args]);

        AssertOneLineError(run, exitCode, fragment);
    }

    [Fact]
    public async Task SnapshotRestore_IntoNonEmptyDir_ExitsTargetNotEmpty()
    {
        var target = Directory.CreateDirectory(Path.Combine(_dir, "busy")).FullName;
        await File.WriteAllTextAsync(Path.Combine(target, "old"), "x", TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("etcd", "snapshot", "restore", _snapshot.Path, "--data-dir", target);

        AssertOneLineError(run, ExitCodes.TargetNotEmpty, "is not empty");
    }

    [Fact]
    public async Task SnapshotRestore_OfDamagedFile_ExitsCorruptAndSaysWhy()
    {
        var bytes = await File.ReadAllBytesAsync(_snapshot.Path, TestContext.Current.CancellationToken);
        bytes[^100] ^= 0xff;
        var damaged = Path.Combine(_dir, "damaged.db");
        await File.WriteAllBytesAsync(damaged, bytes, TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("etcd", "snapshot", "restore", damaged, "--data-dir", Path.Combine(_dir, "d"));

        AssertOneLineError(run, ExitCodes.Corrupt, "SHA-256");
        Assert.False(Directory.Exists(Path.Combine(_dir, "d")));
    }

    [Fact]
    public async Task RestorePlan_PrintsEveryMembersIdAndCommand()
    {
        var run = await CliRun.InvokeAsync("etcd", "restore", "plan", _snapshot.Path, "--initial-cluster", Cluster,
            "--initial-cluster-token", "tok", "--data-dir", "/var/lib/etcd-restored", "-o", "json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var plan = Pitcrew.Restore.RestorePlanner.PlanCluster(Cluster, "tok");
        Assert.Equal(plan.ClusterIdHex, json.RootElement.GetProperty("clusterId").GetString());
        Assert.Equal(Pitcrew.Restore.RestorePlanner.KubernetesBump, json.RootElement.GetProperty("bumpRevision").GetInt64());
        var members = json.RootElement.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(3, members.Count);
        foreach (var member in members)
        {
            var name = member.GetProperty("name").GetString()!;
            Assert.Equal(plan.Member(name)!.IdHex, member.GetProperty("memberId").GetString());
            Assert.Equal(
                $"pitcrew etcd snapshot restore {_snapshot.Path} --data-dir /var/lib/etcd-restored --name {name} --initial-cluster {Cluster} "
                + $"--initial-cluster-token tok --initial-advertise-peer-urls {plan.Member(name)!.PeerUrls[0]} --bump-revision 1000000000 --mark-compacted",
                member.GetProperty("command").GetString());
        }
    }

    [Fact]
    public async Task RestorePlan_Text_ListsMembersInTheOrderGivenWithFullCommands()
    {
        const string given = "cp3=http://127.0.0.1:12382,cp1=http://127.0.0.1:12380,cp2=http://127.0.0.1:12381";
        var run = await CliRun.InvokeAsync("etcd", "restore", "plan", _snapshot.Path, "--initial-cluster", given, "--initial-cluster-token", "tok");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var lines = run.Stdout.Split('\n');
        Assert.Equal(["# on cp3:", "# on cp1:", "# on cp2:"], lines.Where(l => l.StartsWith("# on ", StringComparison.Ordinal)));
        var rows = lines.Where(l => l.StartsWith("| cp", StringComparison.Ordinal)).Select(l => l.Split('|')[1].Trim()).ToList();
        Assert.Equal(["cp3", "cp1", "cp2"], rows);
        var commands = lines.Where(l => l.StartsWith("pitcrew etcd snapshot restore ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, commands.Count);
        Assert.All(commands, c => Assert.Matches(
            @" --data-dir /var/lib/etcd --name cp\d --initial-cluster \S+ --initial-cluster-token tok --initial-advertise-peer-urls http://127\.0\.0\.1:1238\d ", c));
    }

    [Fact]
    public async Task RestorePlan_CommandsRunAsPrinted_GiveTheMembersThePlannedIds()
    {
        var planned = await CliRun.InvokeAsync("etcd", "restore", "plan", _snapshot.Path, "--initial-cluster", Cluster, "--data-dir", Path.Combine(_dir, "n"), "-o", "json");
        using var json = JsonDocument.Parse(planned.Stdout);
        var member = json.RootElement.GetProperty("members")[0];
        var args = member.GetProperty("command").GetString()!.Split(' ')[1..];

        var run = await CliRun.InvokeAsync([.. args, "-o", "json"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        using var restored = JsonDocument.Parse(run.Stdout);
        Assert.Equal(member.GetProperty("memberId").GetString(), restored.RootElement.GetProperty("memberId").GetString());
        Assert.Equal(json.RootElement.GetProperty("clusterId").GetString(), restored.RootElement.GetProperty("clusterId").GetString());
    }

    [Fact]
    public async Task RestorePlan_WithDuplicateUrlsAndADamagedSnapshot_ExitsBlockedListingEachFailedCheck()
    {
        var damaged = Path.Combine(_dir, "cut.db");
        var bytes = await File.ReadAllBytesAsync(_snapshot.Path, TestContext.Current.CancellationToken);
        await File.WriteAllBytesAsync(damaged, bytes[..^40], TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("etcd", "restore", "plan", damaged, "--initial-cluster", "a=http://10.0.0.1:2380,b=http://10.0.0.1:2380");

        Assert.Equal(ExitCodes.Blocked, run.ExitCode);
        Assert.Contains("FAILED duplicate-url", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("FAILED snapshot", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("truncated snapshot", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SnapshotDrill_OfSoundSnapshot_ExitsOkWithEveryCheckPassing()
    {
        var run = await CliRun.InvokeAsync("etcd", "snapshot", "drill", _snapshot.Path, "--scratch-dir", _dir, "-o", "json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr + run.Stdout);
        using var json = JsonDocument.Parse(run.Stdout);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.Contains(json.RootElement.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "keys /registry/configmaps/"
            && c.GetProperty("served").GetString() == "40");
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task SnapshotDrill_OfDamagedSnapshot_FailsWithoutStartingEtcd()
    {
        var bytes = await File.ReadAllBytesAsync(_snapshot.Path, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0x10;
        var damaged = Path.Combine(_dir, "flip.db");
        await File.WriteAllBytesAsync(damaged, bytes, TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync("etcd", "snapshot", "drill", damaged, "--scratch-dir", _dir);

        AssertOneLineError(run, ExitCodes.Corrupt, "SHA-256");
        Assert.Equal(["flip.db"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertOneLineError(CliRun run, int exitCode, string fragment)
    {
        Assert.Equal(exitCode, run.ExitCode);
        Assert.Equal(string.Empty, run.Stdout);
        var lines = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(fragment, lines[0], StringComparison.Ordinal);
    }
}
