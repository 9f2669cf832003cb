using Pitcrew.MemberReplace;

namespace Pitcrew.Tests.MemberReplace;

/// <summary>The etcd manifest's join flags rewritten as text: kubeadm init's manifest (no state flag) and join's (existing).</summary>
public sealed class EtcdManifestEditTests
{
    private const string Init = """
        apiVersion: v1
        kind: Pod
        spec:
          containers:
          - command:
            - etcd
            - --advertise-client-urls=https://10.0.0.2:2379
            - --data-dir=/var/lib/etcd
            - --initial-advertise-peer-urls=https://10.0.0.2:2380
            - --initial-cluster=cp-2=https://10.0.0.2:2380
            - --name=cp-2
            image: etcd:3.5.16-0

        """;

    private const string Cluster = "cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380,cp-3=https://10.0.0.3:2380";

    [Fact]
    public void ForJoin_OnKubeadmInitsManifest_SetsTheClusterAndAddsTheStateAfterIt_LeavingEverythingElse()
    {
        var joined = EtcdManifestEdit.ForJoin(Init, Cluster);

        Assert.Equal(Init
            .Replace("- --initial-cluster=cp-2=https://10.0.0.2:2380", $"- --initial-cluster={Cluster}\n    - --initial-cluster-state=existing", StringComparison.Ordinal),
            joined);
        Assert.Equal(Cluster, EtcdManifestEdit.Flag(joined, "--initial-cluster"));
        Assert.Equal("existing", EtcdManifestEdit.Flag(joined, "--initial-cluster-state"));
        Assert.Equal("/var/lib/etcd", EtcdManifestEdit.Flag(joined, "--data-dir"));
    }

    [Fact]
    public void ForJoin_OnAJoinedManifest_ReplacesBothFlags_AndIsIdempotent()
    {
        var join = Init.Replace("- --name=cp-2", "- --initial-cluster-state=new\n    - --name=cp-2", StringComparison.Ordinal);
        var once = EtcdManifestEdit.ForJoin(join, Cluster);
        Assert.Equal(once, EtcdManifestEdit.ForJoin(once, Cluster));
        Assert.Single(once.Split('\n'), l => l.Contains("--initial-cluster-state", StringComparison.Ordinal));
        Assert.Equal("existing", EtcdManifestEdit.Flag(once, "--initial-cluster-state"));
    }

    [Fact]
    public void ForJoin_WithoutAnInitialClusterFlag_SaysItIsNotKubeadmsManifest()
    {
        var e = Assert.Throws<Pitcrew.Errors.PitcrewException>(() => EtcdManifestEdit.ForJoin("apiVersion: v1\nkind: Pod\n", Cluster));
        Assert.Contains("no \"- --initial-cluster=...\" line", e.Message, StringComparison.Ordinal);
    }
}
