using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class SnapshotSourceSelectorTests
{
    private const ulong Leader = 0xa1;

    [Fact]
    public void Choose_WithHealthyLeaderAndFollowers_PrefersTheMostAdvancedFollower()
    {
        var source = SnapshotSourceSelector.Choose([Member("a", Leader, 500), Member("b", 0xb2, 498), Member("c", 0xc3, 499)]);
        Assert.Equal("c", source.Member.Endpoint);
        Assert.Contains("follower", source.Reason, StringComparison.Ordinal);
        Assert.Contains(source.Skipped, s => s.StartsWith("a: leader", StringComparison.Ordinal));
    }

    [Fact]
    public void Choose_WithOneMemberDown_SkipsItAndSaysWhy()
    {
        var source = SnapshotSourceSelector.Choose([EndpointStatus.Failed("a", "connection refused"), Member("b", Leader, 10), Member("c", 0xc3, 10)]);
        Assert.Equal("c", source.Member.Endpoint);
        Assert.Contains("a: connection refused", source.Skipped);
    }

    [Fact]
    public void Choose_WithAFollowerFarBehind_TakesTheLeaderInstead()
    {
        var source = SnapshotSourceSelector.Choose([Member("a", Leader, 10_000), Member("b", 0xb2, 10_000 - SnapshotSourceSelector.MaxRaftIndexLag - 1)]);
        Assert.Equal("a", source.Member.Endpoint);
        Assert.Contains(source.Skipped, s => s.Contains("behind by", StringComparison.Ordinal));
    }

    [Fact]
    public void Choose_WithErrorsOrLearners_SkipsThem()
    {
        var erring = Member("a", 0xa9, 5) with { Errors = ["NOSPACE"] };
        var learner = Member("b", 0xb9, 5) with { IsLearner = true };
        var source = SnapshotSourceSelector.Choose([erring, learner, Member("c", Leader, 5)]);
        Assert.Equal("c", source.Member.Endpoint);
        Assert.Equal(2, source.Skipped.Count);
    }

    [Fact]
    public void Choose_WithNoMemberAnswering_FailsAsUnavailableListingEachReason()
    {
        var error = Assert.Throws<PitcrewException>(() =>
            SnapshotSourceSelector.Choose([EndpointStatus.Failed("a", "refused"), EndpointStatus.Failed("b", "timed out")]));
        Assert.Equal(ExitCodes.Unavailable, error.ExitCode);
        Assert.Contains("a: refused", error.Message, StringComparison.Ordinal);
        Assert.Contains("b: timed out", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_WithEndpointsOfTwoClusters_RefusesToGuess()
    {
        var other = Member("b", 0xb2, 5) with { ClusterId = 999 };
        var error = Assert.Throws<PitcrewException>(() => SnapshotSourceSelector.Choose([Member("a", Leader, 5), other]));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    private static EndpointStatus Member(string endpoint, ulong id, ulong raftIndex) =>
        new(endpoint, id, 42, "3.4.23", 1 << 20, 1 << 19, Leader, false, 2, raftIndex, raftIndex, 100, [], [], null);
}
