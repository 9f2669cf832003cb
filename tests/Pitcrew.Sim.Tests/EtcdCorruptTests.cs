using Pitcrew.Errors;

namespace Pitcrew.Sim.Tests;

/// <summary>Three control planes, cp-2's member corrupted as the scenario starts.</summary>
public sealed class CorruptMemberFixture : SimulatorFixture
{
    protected override Scenarios.Scenario? Scenario => Scenarios.Scenario.Bare("v1.31.2", 3, 1) with { Faults = [new("cp-2", "etcd-corrupt")] };
}

/// <summary>The etcd-corrupt fault: the member's process killed and its data destroyed, so it cannot start again; the API keeps serving.</summary>
public sealed class EtcdCorruptTests(CorruptMemberFixture sim) : IClassFixture<CorruptMemberFixture>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ACorruptMember_CannotStartAgain_ItsPodCrashLoops_AndTheApiServes()
    {
        var member = sim.Sim.Etcd.On("cp-2")!;
        Assert.False(member.Running);
        var db = Path.Combine(member.DataDir, "member", "snap", "db");
        // bbolt's meta page carries its magic 0xED0CDAED (little-endian) after the 16-byte page header: gone.
        Assert.NotEqual(new byte[] { 0xED, 0xDA, 0x0C, 0xED }, (await File.ReadAllBytesAsync(db, Token))[16..20]);

        using var client = SimClient.Open(sim.Directory);
        var start = await Assert.ThrowsAsync<PitcrewException>(() => client.SetEtcdAsync("cp-2", "etcd-start", Token));
        Assert.Contains("etcd member cp-2 did not start: etcd exited", start.Message, StringComparison.Ordinal);
        Assert.False(member.Running);

        using var bound = CancellationTokenSource.CreateLinkedTokenSource(Token);
        bound.CancelAfter(TimeSpan.FromSeconds(45));
        var reason = string.Empty;
        while (reason != "CrashLoopBackOff" && !bound.IsCancellationRequested)
        {
            reason = (await sim.KubectlAsync("get", "pod", "-n", "kube-system", "etcd-cp-2", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}")).Stdout;
            await Task.Delay(TimeSpan.FromMilliseconds(300), Token);
        }

        Assert.Equal("CrashLoopBackOff", reason);
        var nodes = await sim.KubectlAsync("get", "nodes", "-o", "name");
        Assert.True(nodes.ExitCode == 0, nodes.Stderr);
    }
}
