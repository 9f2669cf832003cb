using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade.Apply;

public sealed class HealthGatesTests
{
    private static readonly KubeVersion Target = KubeVersion.Parse("v1.30.14");

    [Fact]
    public void ANode_PassesOnlyReadyWithTheTargetKubeletAndStaticPods()
    {
        var facts = Facts(kubelet: "v1.30.14", apiServerTag: "v1.30.14", ready: true);
        Assert.Empty(HealthGates.Node(facts, "cp-1", NodeRole.ControlPlane, Target));

        var behind = HealthGates.Node(Facts(kubelet: "v1.29.15", apiServerTag: "v1.29.15", ready: false), "cp-1", NodeRole.ControlPlane, Target);
        Assert.Contains(behind, p => p.Gate == HealthGates.NodeGate && p.Detail == "is not Ready");
        Assert.Contains(behind, p => p.Detail == "kubelet reports v1.29.15, want v1.30.14");
        Assert.Contains(behind, p => p.Gate == HealthGates.StaticPodsGate && p.Subject == "kube-apiserver-cp-1");
        Assert.True(Assert.Single(HealthGates.Node(facts, "gone-1", NodeRole.Worker, Target)).Fatal);
    }

    [Fact]
    public void TheCluster_IsJudgedAgainstTheBaseline_NewCrashLoopsAndNewSkewAreFatal()
    {
        var baseline = Facts("v1.30.14", "v1.30.14", true) with
        {
            Workloads = [new("Deployment shop/web", 3, 3), new("Deployment shop/broken", 2, 1)],
            Budgets = [new("shop/web", 3, 2)],
            CrashLooping = new HashSet<string>(["ReplicaSet shop/broken-1"]),
        };
        Assert.Empty(HealthGates.Cluster(baseline, baseline));

        var now = baseline with
        {
            Workloads = [new("Deployment shop/web", 3, 2), new("Deployment shop/broken", 2, 1)],
            Budgets = [new("shop/web", 1, 2)],
            CrashLooping = new HashSet<string>(["ReplicaSet shop/broken-1", "ReplicaSet shop/web-7"]),
        };
        var problems = HealthGates.Cluster(now, baseline);

        Assert.Contains(problems, p => p is { Gate: HealthGates.WorkloadsGate, Subject: "Deployment shop/web", Fatal: false });
        Assert.DoesNotContain(problems, p => p.Subject == "Deployment shop/broken");
        Assert.Contains(problems, p => p is { Gate: HealthGates.BudgetsGate, Subject: "pdb/shop/web" });
        Assert.Contains(problems, p => p is { Gate: HealthGates.CrashLoopGate, Subject: "ReplicaSet shop/web-7", Fatal: true });
        Assert.DoesNotContain(problems, p => p.Subject == "ReplicaSet shop/broken-1");
    }

    [Fact]
    public void ARollingDaemonSet_MayHaveItsMaxUnavailableDown_UntilEveryNodeRunsItsTemplate()
    {
        var baseline = Facts("v1.30.14", "v1.30.14", true) with { Workloads = [new("DaemonSet kube-system/kube-proxy", 6, 6)] };
        Assert.Empty(HealthGates.Cluster(baseline with { Workloads = [new("DaemonSet kube-system/kube-proxy", 6, 5, RolloutSlack: 1)] }, baseline));

        var problem = Assert.Single(HealthGates.Cluster(baseline with { Workloads = [new("DaemonSet kube-system/kube-proxy", 6, 4, RolloutSlack: 1)] }, baseline));
        Assert.Equal("4/6 Ready, want 5 while it rolls out", problem.Detail);
        Assert.Single(HealthGates.Cluster(baseline with { Workloads = [new("DaemonSet kube-system/kube-proxy", 6, 5)] }, baseline));
    }

    [Fact]
    public void Etcd_EveryMemberHealthyAndCaughtUp_Passes_AndAnUnknownEtcdIsNotJudged()
    {
        var facts = Facts("v1.30.14", "v1.30.14", true);
        Assert.Empty(HealthGates.Etcd(facts));
        Assert.Empty(HealthGates.Etcd(facts with { Etcd = StackedEtcd.Healthy() }));
        Assert.Empty(HealthGates.Etcd(facts with { Etcd = [StackedEtcd.Up(1), StackedEtcd.Up(2, applied: 4000), StackedEtcd.Up(3, applied: 5100)] }));
    }

    [Fact]
    public void Etcd_AMemberThatDoesNotAnswer_IsWaitedFor_NamingItsNode()
    {
        var facts = Facts("v1.30.14", "v1.30.14", true) with { Etcd = [StackedEtcd.Up(1), StackedEtcd.Down(2), StackedEtcd.Up(3)] };

        var problem = Assert.Single(HealthGates.Etcd(facts));

        Assert.False(problem.Fatal);
        Assert.Equal($"etcd: etcd on cp-2: does not answer ({StackedEtcd.Url(2)}: connection refused); waiting for it to answer (2 of 3 members answer)", problem.ToString());
    }

    [Fact]
    public void Etcd_AMemberBehindTheLeader_IsWaitedForUntilWithinTheLimit()
    {
        var limit = HealthGates.MaxRaftLag;
        var facts = Facts("v1.30.14", "v1.30.14", true) with { Etcd = [StackedEtcd.Up(1, 9000, 9000), StackedEtcd.Up(2, 9000 - limit - 1, 8990), StackedEtcd.Up(3, 9000 - limit)] };

        var problem = Assert.Single(HealthGates.Etcd(facts));

        Assert.False(problem.Fatal);
        Assert.Equal("etcd on cp-2", problem.Subject);
        Assert.Equal($"applied raft index {9000 - limit - 1} is {limit + 1} behind the leader's (cp-1) 9000; waiting until it is within {limit}", problem.Detail);
    }

    [Fact]
    public void Etcd_AnAlarmFailsAtOnce_AndNoLeaderIsWaitedFor()
    {
        var alarm = Facts("v1.30.14", "v1.30.14", true) with { Etcd = [StackedEtcd.Up(1, alarms: "memberID:3 alarm:NOSPACE"), StackedEtcd.Up(2), StackedEtcd.Up(3)] };
        var fatal = Assert.Single(HealthGates.Etcd(alarm));
        Assert.True(fatal.Fatal);
        Assert.Equal("etcd: etcd on cp-3: raised alarm NOSPACE", fatal.ToString());

        var leaderless = Facts("v1.30.14", "v1.30.14", true) with { Etcd = [StackedEtcd.Up(1, leader: 0), StackedEtcd.Down(2), StackedEtcd.Down(3)] };
        var problems = HealthGates.Etcd(leaderless);
        Assert.Contains(problems, p => p.ToString() == "etcd: etcd: has no leader (1 of 3 members answer); waiting for one to be elected");
        Assert.DoesNotContain(problems, p => p.Fatal);
    }

    [Fact]
    public void AControlPlanesGates_IncludeEtcd_AWorkersDoNot()
    {
        var facts = Facts("v1.30.14", "v1.30.14", true) with { Etcd = [StackedEtcd.Up(1), StackedEtcd.Down(2), StackedEtcd.Up(3)] };
        Assert.Contains(GateWatch.Judge(facts, "cp-1", new UpgradeStage(Target, StageKind.FirstControlPlane, 0, ["cp-1"], StagePart.Components)),
            p => p.Gate == HealthGates.EtcdGate);
        Assert.Contains(GateWatch.Judge(facts, "cp-1", new UpgradeStage(Target, StageKind.ControlPlane, 0, ["cp-1"], StagePart.Kubelet)), p => p.Gate == HealthGates.EtcdGate);
        Assert.Empty(GateWatch.Judge(facts, "cp-1", new UpgradeStage(Target, StageKind.Batch, 1, ["cp-1"])));
    }

    [Theory]
    [InlineData(null, null, 6, 3, 1)]
    [InlineData("RollingUpdate", "2", 6, 3, 2)]
    [InlineData("RollingUpdate", "10%", 20, 3, 2)]
    [InlineData("RollingUpdate", null, 6, 6, 0)]
    [InlineData("OnDelete", null, 6, 3, 0)]
    public void RolloutSlack_IsMaxUnavailableWhileNotEveryNodeIsUpdated(string? strategy, string? maxUnavailable, int desired, int updated, int slack)
    {
        var daemonSet = new k8s.Models.V1DaemonSet
        {
            Spec = new k8s.Models.V1DaemonSetSpec
            {
                UpdateStrategy = strategy is null ? null : new k8s.Models.V1DaemonSetUpdateStrategy
                {
                    Type = strategy,
                    RollingUpdate = maxUnavailable is null ? null : new k8s.Models.V1RollingUpdateDaemonSet { MaxUnavailable = maxUnavailable },
                },
            },
            Status = new k8s.Models.V1DaemonSetStatus { DesiredNumberScheduled = desired, UpdatedNumberScheduled = updated },
        };
        Assert.Equal(slack, KubeUpgradeApi.RolloutSlack(daemonSet));
    }

    [Theory]
    [InlineData("v1.30.14", "v1.29.15", "v1.29.15", null)]
    [InlineData("v1.30.14", "v1.30.14", "v1.29.15", "node/cp-1")]
    [InlineData("v1.30.14", "v1.27.16", "v1.30.14", null)]
    [InlineData("v1.30.14", "v1.26.15", "v1.30.14", "node/cp-1")]
    [InlineData("v1.26.15", "v1.23.17", "v1.26.15", "node/cp-1")]
    public void LiveSkew_HoldsKubeletsToTheOldestApiServer_AndToThreeMinorsBehindTheNewest(string cp1ApiServer, string kubelet, string cp2ApiServer, string? broken)
    {
        var cluster = new ClusterVersions(KubeVersion.Parse(cp1ApiServer), null,
            [new("cp-1", true, KubeVersion.Parse(kubelet)), new("cp-2", true, KubeVersion.Parse(cp2ApiServer))],
            [Pod("cp-1", ClusterVersions.ApiServerComponent, cp1ApiServer), Pod("cp-2", ClusterVersions.ApiServerComponent, cp2ApiServer)], null, null, null);

        var violations = LiveSkew.Check(cluster);

        if (broken is null)
        {
            Assert.Empty(violations);
        }
        else
        {
            Assert.Contains(violations, v => v.Subject == broken);
        }
    }

    [Fact]
    public void LiveSkew_ComparesControllerManagersWithTheApiServerOnTheirNode()
    {
        var cluster = new ClusterVersions(KubeVersion.Parse("v1.30.14"), null, [],
        [
            Pod("cp-1", ClusterVersions.ApiServerComponent, "v1.30.14"), Pod("cp-1", ClusterVersions.ControllerManagerComponent, "v1.30.14"),
            Pod("cp-2", ClusterVersions.ApiServerComponent, "v1.29.15"), Pod("cp-2", ClusterVersions.ControllerManagerComponent, "v1.30.14"),
        ], null, null, null);

        var violation = Assert.Single(LiveSkew.Check(cluster));
        Assert.Equal("kube-controller-manager-cp-2", violation.Subject);
    }

    private static ControlPlanePod Pod(string node, string component, string tag) => new(node, component, $"registry.k8s.io/{component}:{tag}");

    private static GateFacts Facts(string kubelet, string apiServerTag, bool ready)
    {
        var versions = new ClusterVersions(KubeVersion.Parse(apiServerTag), null, [new("cp-1", true, KubeVersion.Parse(kubelet))],
            [.. HealthGates.UpgradedStaticPods.Select(c => Pod("cp-1", c, apiServerTag))], null, null, null);
        return new GateFacts([new GateNode("cp-1", ready, false, KubeVersion.Parse(kubelet))], versions, [], new HashSet<string>(), []);
    }
}
