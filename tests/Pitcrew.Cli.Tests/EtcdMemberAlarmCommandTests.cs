using System.Text.Json;
using Grpc.Core;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests;

/// <summary>pitcrew etcd member list and alarm list | disarm against real etcd, line for line against the real etcdctl.</summary>
public sealed class EtcdMemberAlarmCommandTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MemberList_OnThreeMembers_PrintsWhatEtcdctlPrints_AndJsonNamesEveryMember()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), Token);
        var ours = await CliRun.InvokeAsync("etcd", "member", "list", "-w", "simple", "--endpoints", etcd.Endpoint);
        Assert.True(ours.ExitCode == ExitCodes.Ok, ours.Stderr);
        var theirs = await etcd.RunEtcdctlAsync(["member", "list"], cancellationToken: Token);
        Assert.Equal(0, theirs.ExitCode);
        Assert.Equal(Lines(theirs.Stdout), Lines(ours.Stdout));

        var json = await CliRun.InvokeAsync("etcd", "member", "list", "-o", "json", "--endpoints", etcd.Endpoints);
        using var members = JsonDocument.Parse(json.Stdout);
        Assert.Equal(etcd.Members.Select(m => m.Name).Order(StringComparer.Ordinal),
            members.RootElement.EnumerateArray().Select(m => m.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(members.RootElement.EnumerateArray(), m => Assert.Equal("started", m.GetProperty("status").GetString()));

        var table = await CliRun.InvokeAsync("etcd", "member", "list", "--endpoints", etcd.Endpoint);
        Assert.Contains("| ID ", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("IS LEARNER", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlarmListAndDisarm_OnANospaceAlarm_PrintWhatEtcdctlPrints_AndTheAlarmIsGone()
    {
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(QuotaBackendBytes: 1L << 20), Token);
        Assert.Equal(string.Empty, (await CliRun.InvokeAsync("etcd", "alarm", "list", "--endpoints", etcd.Endpoint)).Stdout);
        using (var client = new EtcdEndpointClient(etcd.Connection(), etcd.Endpoint))
        {
            var full = false;
            for (var i = 0; i < 200 && !full; i++)
            {
                try
                {
                    await client.PutAsync($"/filler/{i}", new byte[64 * 1024], Token);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
                {
                    full = true;
                }
            }

            Assert.True(full, "etcd never ran out of space");
        }

        var ours = await CliRun.InvokeAsync("etcd", "alarm", "list", "--endpoints", etcd.Endpoint);
        var theirs = await etcd.RunEtcdctlAsync(["alarm", "list"], cancellationToken: Token);
        Assert.Equal(Lines(theirs.Stdout), Lines(ours.Stdout));
        Assert.Matches("^memberID:[0-9]+ alarm:NOSPACE$", Assert.Single(Lines(ours.Stdout)));

        var disarm = await CliRun.InvokeAsync("etcd", "alarm", "disarm", "--endpoints", etcd.Endpoint);
        Assert.True(disarm.ExitCode == ExitCodes.Ok, disarm.Stderr);
        Assert.Equal(Lines(ours.Stdout), Lines(disarm.Stdout));
        Assert.Empty(Lines((await etcd.RunEtcdctlAsync(["alarm", "list"], cancellationToken: Token)).Stdout));
    }

    [Fact]
    public async Task MemberList_NoEndpointAnswers_Exits5NamingIt()
    {
        var endpoint = $"http://127.0.0.1:{FreePorts.Next()}";
        var run = await CliRun.InvokeAsync("etcd", "member", "list", "--endpoints", endpoint, "--dial-timeout", "1s");
        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains(endpoint.Replace("http://", string.Empty, StringComparison.Ordinal), run.Stderr, StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)];
}
