using System.Text.RegularExpressions;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests;

/// <summary>pitcrew etcd member add | promote | remove on three real etcd members, line for line against the real etcdctl.</summary>
public sealed partial class EtcdMemberChangeCommandTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddLearner_PrintsWhatEtcdctlPrints_AndRemoveOfALearnerPrintsEtcdctlsLine()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        var peer = $"http://127.0.0.1:{FreePorts.Next()}";

        var ours = await WhileStartingAsync(() => CliRun.InvokeAsync("etcd", "member", "add", "m4", $"--peer-urls={peer}", "--learner", "--endpoints", etcd.Endpoints));
        Assert.True(ours.ExitCode == ExitCodes.Ok, ours.Stderr);
        var ourId = AddedId().Match(ours.Stdout).Groups[1].Value;
        var theirRemove = await etcd.RunEtcdctlAsync(["member", "remove", ourId], cancellationToken: Token);
        Assert.True(theirRemove.ExitCode == 0, $"{ourId}: {ours.Stdout}\n{theirRemove.Stderr}");
        var theirPeer = $"http://127.0.0.1:{FreePorts.Next()}";
        var theirs = await WhileStartingAsync(() => etcd.RunEtcdctlAsync(["member", "add", "m4", $"--peer-urls={theirPeer}", "--learner"], cancellationToken: Token));
        Assert.True(theirs.ExitCode == 0, theirs.Stderr);
        var theirId = AddedId().Match(theirs.Stdout).Groups[1].Value;

        // The IDs are new each time and etcd lists members by ID: the lines match once the IDs are masked, the cluster as a set.
        Assert.StartsWith($"Member {ourId,16} added to cluster ", ours.Stdout, StringComparison.Ordinal);
        Assert.Equal(Masked(theirs.Stdout.Replace(theirPeer, peer, StringComparison.Ordinal)), Masked(ours.Stdout));
        Assert.Equal(InitialCluster(theirs.Stdout.Replace(theirPeer, peer, StringComparison.Ordinal)), InitialCluster(ours.Stdout));
        Assert.Contains($"m4={peer}", InitialCluster(ours.Stdout));
        Assert.Equal(4, InitialCluster(ours.Stdout).Count);

        var remove = await CliRun.InvokeAsync("etcd", "member", "remove", theirId, "--endpoints", etcd.Endpoints);
        Assert.True(remove.ExitCode == ExitCodes.Ok, remove.Stderr);
        Assert.Equal(Masked(theirRemove.Stdout), Masked(remove.Stdout));
        Assert.StartsWith($"Member {theirId,16} removed from cluster ", remove.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(theirId, (await etcd.RunEtcdctlAsync(["member", "list"], cancellationToken: Token)).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_BeforeTheLearnerCaughtUp_IsRefusedClearly_ThenPromotesOnceItRuns_AsEtcdctlPrintsIt()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        await etcd.RunEtcdctlAsync(["put", "/promote/k", "v"], cancellationToken: Token);
        var (ourId, ours) = await AddLearnerAsync(etcd, "m4", pitcrew: true);

        var early = await CliRun.InvokeAsync("etcd", "member", "promote", ourId, "--endpoints", etcd.Endpoints);
        Assert.Equal(ExitCodes.Blocked, early.ExitCode);
        Assert.Contains($"member {ourId} is a learner that has not caught up with the leader yet", early.Stderr, StringComparison.Ordinal);

        await using (var m4 = await StartJoinedAsync(etcd, "m4", ours))
        {
            var promoted = await PromoteWhenInSyncAsync(async () =>
            {
                var r = await CliRun.InvokeAsync("etcd", "member", "promote", ourId, "--endpoints", etcd.Endpoints);
                return (r.ExitCode, r.Stdout, r.Stderr);
            });
            var cluster = ClusterId(await etcd.RunEtcdctlAsync(["member", "list", "-w", "json"], cancellationToken: Token));
            Assert.Equal($"Member {ourId,16} promoted in cluster {cluster,16}\n", promoted);

            // etcd 3.4 holds one learner at a time: the same round with etcdctl once ours is a voter and gone again.
            await etcd.RunEtcdctlAsync(["member", "remove", ourId], cancellationToken: Token);
            await m4.DisposeAsync();
            var (theirId, theirs) = await AddLearnerAsync(etcd, "m5", pitcrew: false);
            await using var m5 = await StartJoinedAsync(etcd, "m5", theirs);
            var expected = await PromoteWhenInSyncAsync(async () =>
            {
                var r = await etcd.RunEtcdctlAsync(["member", "promote", theirId], cancellationToken: Token);
                return (r.ExitCode, r.Stdout, r.Stderr);
            });
            Assert.Equal(Masked(expected), Masked(promoted));
        }
    }

    [Fact]
    public async Task Remove_OfAHealthyMemberWhileAnotherIsDown_IsRefusedWithExit3_AndOfTheDownOneGoesThrough()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        var ids = await IdsAsync(etcd);
        await etcd.KillMemberAsync(2);
        var alive = string.Join(',', etcd.Members.Take(2).Select(m => m.ClientUrl));

        var refused = await CliRun.InvokeAsync("etcd", "member", "remove", ids["m1"], "--endpoints", alive);
        Assert.Equal(ExitCodes.Blocked, refused.ExitCode);
        Assert.Contains("removing member m1 leaves 1 healthy of 2 voting members, 2 needed for a quorum (down: m3)", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, (await IdsAsync(etcd, alive)).Count);
        var forced = await CliRun.InvokeAsync("etcd", "member", "remove", ids["m1"], "--force", "--endpoints", alive);
        // --force gets past Pitcrew's check; etcd's own (strict reconfiguration) still refuses it.
        Assert.True(ExitCodes.Unavailable == forced.ExitCode, forced.Stderr);
        Assert.Contains("etcdserver: unhealthy cluster", forced.Stderr, StringComparison.Ordinal);
        Assert.Equal(3, (await IdsAsync(etcd, alive)).Count);

        var removed = await CliRun.InvokeAsync("etcd", "member", "remove", ids["m3"], "--endpoints", alive);
        Assert.True(removed.ExitCode == ExitCodes.Ok, removed.Stderr);
        Assert.StartsWith($"Member {ids["m3"],16} removed from cluster ", removed.Stdout, StringComparison.Ordinal);
        Assert.Equal(["m1", "m2"], (await IdsAsync(etcd, alive)).Keys.Order(StringComparer.Ordinal));

        var last = await CliRun.InvokeAsync("etcd", "member", "remove", "zz", "--endpoints", alive);
        Assert.Equal(ExitCodes.Usage, last.ExitCode);
        Assert.Contains("bad member ID arg (\"zz\"), expecting ID in Hex", last.Stderr, StringComparison.Ordinal);
    }

    private static async Task<(string Id, string Output)> AddLearnerAsync(EtcdFixture etcd, string name, bool pitcrew)
    {
        var peer = $"http://127.0.0.1:{FreePorts.Next()}";
        string output;
        if (pitcrew)
        {
            var run = await WhileStartingAsync(() => CliRun.InvokeAsync("etcd", "member", "add", name, $"--peer-urls={peer}", "--learner", "--endpoints", etcd.Endpoints));
            Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
            output = run.Stdout;
        }
        else
        {
            var run = await WhileStartingAsync(() => etcd.RunEtcdctlAsync(["member", "add", name, $"--peer-urls={peer}", "--learner"], cancellationToken: Token));
            Assert.True(run.ExitCode == 0, run.Stderr);
            output = run.Stdout;
        }

        return (AddedId().Match(output).Groups[1].Value, output);
    }

    /// <summary>Starts the added member as member add says: its ETCD_INITIAL_CLUSTER, state existing, an empty data dir, on loopback.</summary>
    private static async Task<LocalEtcd> StartJoinedAsync(EtcdFixture etcd, string name, string added)
    {
        var peer = Variable(added, "ETCD_INITIAL_ADVERTISE_PEER_URLS");
        var command = new EtcdCommandLine(name, Path.Combine(etcd.RootDirectory, name), LocalEtcd.FreeUrl(), peer, Variable(added, "ETCD_INITIAL_CLUSTER"),
            "pitcrew-test-" + Path.GetFileName(etcd.RootDirectory), InitialClusterState: "existing");
        var member = LocalEtcd.Member(command, Path.Combine(etcd.RootDirectory, name + ".log"), TimeProvider.System);
        await member.LaunchAsync(Token);
        return member;
    }

    /// <summary>etcd refuses membership changes ("unhealthy cluster") until every member has been connected for 5 s: a cluster just started waits that out.</summary>
    private static async Task<T> WhileStartingAsync<T>(Func<Task<T>> change)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);
        bound.CancelAfter(Bound);
        while (true)
        {
            var result = await change();
            var stderr = result switch { CliRun r => r.Stderr, EtcdctlResult r => r.Stderr, _ => string.Empty };
            if (!stderr.Contains("unhealthy cluster", StringComparison.Ordinal))
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), bound.Token);
        }
    }

    private static async Task<string> PromoteWhenInSyncAsync(Func<Task<(int ExitCode, string Stdout, string Stderr)>> promote)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);
        bound.CancelAfter(Bound);
        while (true)
        {
            var (code, stdout, stderr) = await promote();
            if (code == 0)
            {
                return stdout;
            }

            Assert.Contains("in sync with leader", stderr, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromMilliseconds(300), bound.Token);
        }
    }

    private static async Task<Dictionary<string, string>> IdsAsync(EtcdFixture etcd, string? endpoints = null)
    {
        var list = await etcd.RunEtcdctlAsync(["member", "list"], endpoints, Token);
        return list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(", ")).ToDictionary(p => p[2], p => p[0], StringComparer.Ordinal);
    }

    private static string ClusterId(EtcdctlResult list)
    {
        using var json = System.Text.Json.JsonDocument.Parse(list.Stdout);
        return json.RootElement.GetProperty("header").GetProperty("cluster_id").GetUInt64().ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Variable(string output, string name) =>
        output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..].Trim('"');

    private static HashSet<string> InitialCluster(string output) => [.. Variable(output, "ETCD_INITIAL_CLUSTER").Split(',')];

    /// <summary>The lines with the member ID (padded to 16 as etcdctl's %16x) masked, and without the initial cluster (compared as a set).</summary>
    private static string[] Masked(string output) =>
        [.. MemberId().Replace(output, "Member ID ").Split('\n').Where(l => !l.StartsWith("ETCD_INITIAL_CLUSTER=", StringComparison.Ordinal))];

    [GeneratedRegex("^Member +[0-9a-f]+ ", RegexOptions.Multiline)]
    private static partial Regex MemberId();

    [GeneratedRegex(@"^Member\s+([0-9a-f]+) added to cluster")]
    private static partial Regex AddedId();
}
