using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Etcd;

public sealed class EtcdEndpointsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task StatusAndHealth_OfThreeMembersWithOneStopped_ReportItAndShowTheOthers()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), token).WaitAsync(Bound, token);
        await etcd.KillMemberAsync(2);
        var connection = etcd.Connection(commandTimeout: TimeSpan.FromSeconds(3));

        var statuses = await EtcdEndpoints.StatusAsync(connection, wholeCluster: false, token).WaitAsync(Bound, token);
        Assert.Equal(3, statuses.Count);
        Assert.False(statuses[2].Reachable);
        Assert.Contains("refused", statuses[2].Failure, StringComparison.Ordinal);
        Assert.All(statuses.Take(2), s => Assert.Equal("3.4.23", s.Version));

        var health = await HealthyOnceElectedAsync(connection, token);
        Assert.False(health[2].Healthy);
        Assert.True(health[0].Healthy && health[1].Healthy, string.Join("; ", health.Select(h => h.Error)));
    }

    [Fact]
    public async Task Status_WithCluster_ListsEveryMemberFromOneEndpoint()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), token).WaitAsync(Bound, token);
        var statuses = await EtcdEndpoints.StatusAsync(etcd.Connection(etcd.Endpoint), wholeCluster: true, token).WaitAsync(Bound, token);
        Assert.Equal(etcd.Members.Select(m => m.ClientUrl).Order(), statuses.Select(s => s.Endpoint).Order());
        Assert.Single(statuses, s => s.IsLeader);
        Assert.Single(statuses.Select(s => s.ClusterId).Distinct());
    }

    [Fact]
    public async Task Health_OfTlsMember_ReportsLatency()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Tls: true), token).WaitAsync(Bound, token);
        var health = await EtcdEndpoints.HealthAsync(etcd.Connection(), false, TimeProvider.System, token).WaitAsync(Bound, token);
        Assert.True(health[0].Healthy, health[0].Error);
        Assert.True(health[0].Took > TimeSpan.Zero);
    }

    /// <summary>Killing a member may trigger an election; the survivors are healthy once it is over.</summary>
    private static async Task<IReadOnlyList<EndpointHealth>> HealthyOnceElectedAsync(EtcdConnectionOptions connection, CancellationToken token)
    {
        IReadOnlyList<EndpointHealth> health = [];
        for (var attempt = 0; attempt < 15; attempt++)
        {
            health = await EtcdEndpoints.HealthAsync(connection, false, TimeProvider.System, token).WaitAsync(Bound, token);
            if (health[0].Healthy && health[1].Healthy)
            {
                break;
            }

            await Task.Delay(1000, token);
        }

        return health;
    }
}
