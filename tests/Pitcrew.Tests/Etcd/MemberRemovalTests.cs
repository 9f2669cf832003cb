using Pitcrew.Etcd;

namespace Pitcrew.Tests.Etcd;

/// <summary>The quorum rule of member remove: the healthy voters left must be a quorum of the voters left.</summary>
public sealed class MemberRemovalTests
{
    private static MemberStatus Member(int n, bool up = true, bool learner = false) =>
        new(new EtcdMemberInfo((ulong)n, $"cp-{n}", [$"https://10.0.0.{n}:2380"], [$"https://10.0.0.{n}:2379"], learner),
            up ? new EndpointStatus($"https://10.0.0.{n}:2379", (ulong)n, 0xc1, "3.5.16", 1, 1, 1, learner, 2, 10, 10, 5, [], [], null)
               : EndpointStatus.Failed($"https://10.0.0.{n}:2379", "connection refused (is etcd running there?)"));

    public static TheoryData<string, MemberStatus[], ulong, bool, string> Cases => new()
    {
        { "three healthy, remove one", [Member(1), Member(2), Member(3)], 2, true, "2 of 2 voting members left healthy, 2 needed" },
        { "one of three down, remove the down one", [Member(1), Member(2), Member(3, up: false)], 3, true, "2 of 2 voting members left healthy" },
        { "one of three down, remove a healthy one", [Member(1), Member(2), Member(3, up: false)], 1,
            false, "removing member cp-1 leaves 1 healthy of 2 voting members, 2 needed for a quorum (down: cp-3)" },
        { "the last healthy member", [Member(1), Member(2, up: false), Member(3, up: false)], 1, false, "leaves 0 healthy of 2 voting members" },
        { "the only member", [Member(1)], 1, false, "member cp-1 is the only voting member" },
        { "a learner, even with a voter down", [Member(1), Member(2, up: false), Member(4, learner: true)], 4, true, "member cp-4 is a learner" },
        { "an ID not listed", [Member(1), Member(2), Member(3)], 9, false, "member 9 is not in the member list" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Check_DecidesByTheHealthyVotersLeft(string because, MemberStatus[] members, ulong id, bool allowed, string reason)
    {
        var check = MemberRemoval.Check(members, id);
        Assert.True(allowed == check.Allowed, because);
        Assert.Contains(reason, check.Reason, StringComparison.Ordinal);
        Assert.Equal(allowed, check.Hint is null);
    }

    [Fact]
    public void MemberAdded_PrintsEtcdctlsLines_IdsPaddedTo16_TheNewMemberNamed()
    {
        var added = new MemberAdded(0x0e9e05c52164694d, 0xcdf818194e3a8c32, "cp-4", ["https://10.0.0.4:2380"], true,
            [new(0x0e9e05c52164694d, string.Empty, ["https://10.0.0.4:2380"], [], true), new(7, "cp-1", ["https://10.0.0.1:2380"], ["https://10.0.0.1:2379"], false),
             new(8, string.Empty, ["https://10.0.0.5:2380"], [], false)]);
        Assert.Equal(
            [
                "Member  e9e05c52164694d added to cluster cdf818194e3a8c32", string.Empty, "ETCD_NAME=\"cp-4\"",
                "ETCD_INITIAL_CLUSTER=\"cp-4=https://10.0.0.4:2380,cp-1=https://10.0.0.1:2380,=https://10.0.0.5:2380\"",
                "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"https://10.0.0.4:2380\"", "ETCD_INITIAL_CLUSTER_STATE=\"existing\"",
            ],
            added.EtcdctlLines());
    }
}
