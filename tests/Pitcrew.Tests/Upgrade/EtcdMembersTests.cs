using Pitcrew.Etcd;
using Pitcrew.Upgrade;

namespace Pitcrew.Tests.Upgrade;

/// <summary>Naming etcd members after their control-plane nodes, as kubeadm names stacked members.</summary>
public sealed class EtcdMembersTests
{
    private static readonly IReadOnlyList<EtcdPod> Pods =
        [.. Enumerable.Range(1, 3).Select(n => new EtcdPod($"cp-{n}", StackedEtcd.Url(n), []))];

    [Fact]
    public void AMemberNamedAfterItsNode_IsThatNode()
    {
        var named = EtcdMembers.Name([Listed("cp-2", 2)], Pods);
        Assert.Equal("cp-2", Assert.Single(named).Node);
    }

    [Fact]
    public void AMemberWithAnotherName_IsTheNodeWhosePodAdvertisesItsUrl_ElseItsName()
    {
        Assert.Equal("cp-3", EtcdMembers.NodeOf(Listed("etcd-a1b2", 3), Pods));
        Assert.Equal("etcd-x", EtcdMembers.NodeOf(Listed("etcd-x", 7), Pods));
    }

    [Fact]
    public void WithoutAMemberList_TheEndpointNamesTheNodeThroughItsPod()
    {
        var unlisted = new MemberStatus(null, EndpointStatus.Failed(StackedEtcd.Url(1), "refused"));
        Assert.Equal("cp-1", EtcdMembers.NodeOf(unlisted, Pods));
        Assert.Equal(StackedEtcd.Url(1), EtcdMembers.NodeOf(unlisted, []));
    }

    [Fact]
    public void AnAlarm_NamesTheNodeOfTheMemberThatRaisedIt()
    {
        Assert.Equal(("cp-2", "NOSPACE"), EtcdMembers.AlarmOf("memberID:2 alarm:NOSPACE", StackedEtcd.Healthy()));
        Assert.Equal(("member ff", "CORRUPT"), EtcdMembers.AlarmOf("memberID:ff alarm:CORRUPT", StackedEtcd.Healthy()));
        Assert.Null(EtcdMembers.AlarmOf("alarms unknown: no leader", StackedEtcd.Healthy()));
    }

    private static MemberStatus Listed(string name, int n) =>
        new(new EtcdMemberInfo((ulong)n, name, [], [StackedEtcd.Url(n)], false), StackedEtcd.Up(n).Status);
}
