using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests;

/// <summary>pitcrew etcd defrag --cluster on three real members: followers first, the leader last, every file smaller (etcdctl's figures).</summary>
public sealed class EtcdDefragCommandTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DefragCluster_GoesFollowersFirstLeaderLast_AndShrinksEveryMember_DryRunTouchesNothing()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        await FragmentAsync(etcd, blobs: 120);
        var before = await SizesAsync(etcd);
        var leader = (await EtcdEndpoints.StatusAsync(etcd.Connection(), wholeCluster: false, Token)).Single(s => s.IsLeader).Endpoint;

        var plan = await CliRun.InvokeAsync("etcd", "defrag", "--cluster", "--dry-run", "--endpoints", etcd.Endpoint);
        Assert.True(plan.ExitCode == ExitCodes.Ok, plan.Stderr);
        var planned = plan.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, planned.Length);
        Assert.All(planned, line => Assert.True(line.Contains(". defragment etcd member[", StringComparison.Ordinal), plan.Stdout));
        Assert.StartsWith($"3. defragment etcd member[{leader}] (leader):", planned[2], StringComparison.Ordinal);
        Assert.Equal(before, await SizesAsync(etcd));

        var run = await CliRun.InvokeAsync("etcd", "defrag", "--cluster", "--endpoints", etcd.Endpoint);
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var done = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, done.Length);
        Assert.All(done, line => Assert.StartsWith("Finished defragmenting etcd member[", line, StringComparison.Ordinal));
        Assert.StartsWith($"Finished defragmenting etcd member[{leader}]", done[2], StringComparison.Ordinal);
        var after = await SizesAsync(etcd);
        Assert.All(before.Keys, endpoint => Assert.True(after[endpoint] < before[endpoint] / 2, $"{endpoint}: {before[endpoint]} -> {after[endpoint]}"));
    }

    [Fact]
    public async Task DefragCluster_WithAMemberDown_IsRefusedBeforeAnyMemberIsTouched()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        await etcd.KillMemberAsync(2);
        var run = await CliRun.InvokeAsync("etcd", "defrag", "--cluster", "--endpoints", etcd.Endpoint, "--dial-timeout", "1s");
        Assert.Equal(ExitCodes.Blocked, run.ExitCode);
        Assert.Contains("does not answer", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Finished defragmenting", run.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Writes and deletes large values, then compacts, so every member's file holds mostly free pages.</summary>
    internal static async Task FragmentAsync(EtcdFixture etcd, int blobs)
    {
        await etcd.PutManyAsync(Enumerable.Range(0, blobs).Select(i => ($"/filler/{i:D4}", new byte[64 * 1024])), cancellationToken: Token);
        await etcd.DeleteAsync("/filler/", prefix: true);
        await etcd.CompactAsync(await etcd.RevisionAsync());
        for (var i = 0; i < 3; i++)
        {
            // etcd counts the pages compaction freed in dbSizeInUse once later writes have committed.
            await etcd.PutAsync($"/after-compaction/{i}", "x");
            await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), Token);
    }

    /// <summary>Each member's DB file size, as the real etcdctl reports it.</summary>
    internal static async Task<Dictionary<string, long>> SizesAsync(EtcdFixture etcd)
    {
        var status = await etcd.RunEtcdctlAsync(["endpoint", "status", "-w", "json"], etcd.Endpoints, Token);
        Assert.Equal(0, status.ExitCode);
        using var json = JsonDocument.Parse(status.Stdout);
        return json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("Endpoint").GetString()!, e => e.GetProperty("Status").GetProperty("dbSize").GetInt64());
    }
}
