using Pitcrew.Errors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Tests.Upgrade.Apply;

/// <summary>The maintenance lock's decision from the lease as found: take it, take it over, or refuse, with the lines apply prints.</summary>
public sealed class LockDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 1, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = MaintenanceLock.DefaultTtl;
    private static readonly LockHolder Us = new("upgrade", "run-2", "ws-1", 100);
    private const string Other = "upgrade/run-1@ws-9/42";

    [Fact]
    public void NoLease_IsTaken()
    {
        Assert.Equal(LockAction.Take, LockDecision.Decide(null, Us, takeOver: false, Ttl, Now).Action);
    }

    [Fact]
    public void LiveLease_IsRefusedAsBlocked_EvenWithTakeOver_SayingWhoAndHowToWatchIt()
    {
        var lease = new LeaseFacts(Other, Now.AddSeconds(-10), TimeSpan.FromSeconds(60), "upgrade v1.29.0 -> v1.30.14", HolderGoneHere: false);

        var decision = LockDecision.Decide(lease, Us, takeOver: true, Ttl, Now);

        Assert.Equal(LockAction.Refuse, decision.Action);
        Assert.Equal(ExitCodes.Blocked, decision.ExitCode);
        Assert.Equal($"the cluster is locked by {Other} (upgrade v1.29.0 -> v1.30.14), renewed 10s ago: another upgrade or restore is running; " +
            "wait for it (kubectl -n kube-system get lease pitcrew-maintenance)", decision.Message);
    }

    [Fact]
    public void ExpiredLeaseOfAnotherRun_WithoutTakeOver_IsRefused_NamingTheFlag()
    {
        var lease = new LeaseFacts(Other, Now.AddSeconds(-90), TimeSpan.FromSeconds(60), null, HolderGoneHere: false);

        var decision = LockDecision.Decide(lease, Us, takeOver: false, Ttl, Now);

        Assert.Equal(LockAction.Refuse, decision.Action);
        Assert.Equal(ExitCodes.Blocked, decision.ExitCode);
        Assert.Equal($"the cluster lock is held by {Other} (an operation), which looks dead (not renewed for 90s); make sure it is not running, then add --take-over-lock",
            decision.Message);
    }

    [Fact]
    public void LeaseWhoseProcessIsGoneHere_IsStaleAtOnce_AndSaysSo()
    {
        var lease = new LeaseFacts(Other, Now.AddSeconds(-1), TimeSpan.FromSeconds(60), "restore", HolderGoneHere: true);

        var decision = LockDecision.Decide(lease, Us, takeOver: false, Ttl, Now);

        Assert.Equal(LockAction.Refuse, decision.Action);
        Assert.Contains("which looks dead (its process is gone)", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExpiredLeaseOfAnotherRun_WithTakeOver_IsTakenOver()
    {
        var lease = new LeaseFacts(Other, Now.AddSeconds(-90), TimeSpan.FromSeconds(60), "upgrade v1.29.0 -> v1.30.14", HolderGoneHere: false);

        var decision = LockDecision.Decide(lease, Us, takeOver: true, Ttl, Now);

        Assert.Equal(LockAction.TakeOver, decision.Action);
        Assert.Equal($"taking over the stale lock of {Other} (upgrade v1.29.0 -> v1.30.14)", decision.Message);
    }

    [Fact]
    public void ExpiredLeaseOfTheSameRun_IsTakenOverWithoutTheFlag()
    {
        var lease = new LeaseFacts("upgrade/run-2@ws-9/42", Now.AddSeconds(-90), TimeSpan.FromSeconds(60), null, HolderGoneHere: false);

        Assert.Equal(LockAction.TakeOver, LockDecision.Decide(lease, Us, takeOver: false, Ttl, Now).Action);
    }

    [Fact]
    public void LeaseWithoutHolder_IsStale_AndNeverRenewedReadsNever()
    {
        var lease = new LeaseFacts(null, null, null, null, HolderGoneHere: false);

        var refused = LockDecision.Decide(lease, Us, takeOver: false, Ttl, Now);

        Assert.Equal(LockAction.Refuse, refused.Action);
        Assert.Contains("not renewed for never", refused.Message, StringComparison.Ordinal);
        Assert.Equal(LockAction.TakeOver, LockDecision.Decide(lease, Us, takeOver: true, Ttl, Now).Action);
    }

    [Fact]
    public void LeaseWithoutDuration_IsJudgedByOurTtl()
    {
        var lease = new LeaseFacts(Other, Now.AddSeconds(-30), null, null, HolderGoneHere: false);

        Assert.Equal(LockAction.Refuse, LockDecision.Decide(lease, Us, takeOver: true, TimeSpan.FromSeconds(60), Now).Action);
        Assert.Equal(LockAction.TakeOver, LockDecision.Decide(lease, Us, takeOver: true, TimeSpan.FromSeconds(20), Now).Action);
    }
}
