using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.MemberReplace;

namespace Pitcrew.Tests.MemberReplace;

/// <summary>The replace runbook's target and plan (pure): found by node name, refused unless the others are healthy.</summary>
public sealed class MemberReplacePlannerTests
{
    private static MemberStatus Member(int n, bool up = true) =>
        new(new EtcdMemberInfo((ulong)(0xa0 + n), $"cp-{n}", [$"https://10.0.0.{n}:2380"], [$"https://10.0.0.{n}:2379"], false),
            up ? new EndpointStatus($"https://10.0.0.{n}:2379", (ulong)(0xa0 + n), 0xc1, "3.5.16", 1, 1, 0xa1, false, 2, 10, 10, 5, [], [], null)
               : EndpointStatus.Failed($"https://10.0.0.{n}:2379", "connection refused (is etcd running there?)"));

    [Fact]
    public void ADownMember_WithTheOthersHealthy_GetsTheRunbook_InOrder()
    {
        var (target, problems) = MemberReplacePlanner.Find("cp-2", [Member(1), Member(2, up: false), Member(3)]);
        var plan = MemberReplacePlanner.Plan(target, problems, ReplacePaths.Kubeadm, "20261208T020000Z");

        Assert.True(plan.Ok);
        Assert.Equal(new ReplaceTarget("cp-2", "a2", "cp-2", ["https://10.0.0.2:2380"], "c1", ["cp-1", "cp-3"]), target,
            new TargetComparer());
        Assert.Equal(
            ["stop-etcd/cp-2", "wait-etcd-exit/cp-2", "remove-member", "move-aside/cp-2", "fresh-dir/cp-2", "add-learner", "rewrite-manifest/cp-2", "start-etcd/cp-2",
             "wait-caught-up", "promote", "verify"],
            plan.Steps.Select(s => s.Id));
        Assert.Equal("mv /var/lib/etcd /var/lib/etcd.pitcrew-20261208T020000Z", plan.Steps.Single(s => s.Id == "move-aside/cp-2").Command);
        Assert.Equal("/etc/kubernetes/etcd.yaml.pitcrew-replace", plan.Steps.Single(s => s.Kind == ReplaceStepKind.RewriteManifest).Path);
    }

    [Fact]
    public void AnUnknownNode_IsAUsageProblem_WithNoSteps()
    {
        var (target, problems) = MemberReplacePlanner.Find("cp-9", [Member(1), Member(2), Member(3)]);
        var plan = MemberReplacePlanner.Plan(target, problems, ReplacePaths.Kubeadm, "s");
        Assert.Null(target);
        Assert.Empty(plan.Steps);
        var problem = Assert.Single(plan.Problems);
        Assert.Equal(ExitCodes.Usage, problem.ExitCode);
        Assert.Equal("node cp-9 hosts no etcd member: the members are cp-1, cp-2, cp-3", problem.Message);
    }

    [Theory]
    [InlineData("cp-1", "the quorum does not hold without node cp-1's member: removing member cp-1 leaves 1 healthy of 2 voting members")]
    [InlineData("cp-3", "the other members must be healthy to replace node cp-3's: cp-2 (connection refused (is etcd running there?))")]
    public void WithAnotherMemberDown_IsBlocked(string node, string message)
    {
        MemberStatus[] members = node == "cp-3" ? [Member(1), Member(2, up: false), Member(3), Member(4), Member(5)] : [Member(1), Member(2, up: false), Member(3)];
        var (_, problems) = MemberReplacePlanner.Find(node, members);
        var problem = Assert.Single(problems);
        Assert.Equal(ExitCodes.Blocked, problem.ExitCode);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ALearner_IsNotReplaced_TheHintSaysRemoveAndAddAgain()
    {
        var learner = Member(4) with { Member = Member(4).Member! with { IsLearner = true } };
        var (target, problems) = MemberReplacePlanner.Find("cp-4", [Member(1), Member(2), Member(3), learner]);
        Assert.Null(target);
        Assert.Equal(ExitCodes.Blocked, Assert.Single(problems).ExitCode);
        Assert.Contains("pitcrew etcd member remove a4", problems[0].Hint, StringComparison.Ordinal);
    }

    private sealed class TargetComparer : IEqualityComparer<ReplaceTarget>
    {
        public bool Equals(ReplaceTarget? x, ReplaceTarget? y) =>
            x is not null && y is not null && (x.Node, x.Id, x.Name, x.ClusterId) == (y.Node, y.Id, y.Name, y.ClusterId)
            && x.PeerUrls.SequenceEqual(y.PeerUrls) && x.Others.SequenceEqual(y.Others);

        public int GetHashCode(ReplaceTarget obj) => obj.Node.GetHashCode(StringComparison.Ordinal);
    }
}
