using Pitcrew.Nodes;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade;

public sealed class PreflightCheckerTests
{
    private static readonly ReleaseTable Releases = ReleaseTable.Parse("""
        asOf: 2025-08-30
        minors:
          - { minor: v1.24, latest: v1.24.17, released: 2022-05-03, endOfLife: 2027-07-28, etcd: 3.5.6-0, coredns: v1.8.6 }
          - { minor: v1.25, latest: v1.25.16, released: 2022-08-23, endOfLife: 2027-10-28, etcd: 3.5.9-0, coredns: v1.9.3 }
          - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2027-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
          - { minor: v1.31, latest: v1.31.12, released: 2024-08-13, endOfLife: 2027-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
        """, "test-releases.yaml");

    private static readonly DrainForecastResult Drainable = new([], []);

    [Fact]
    public void HealthyCluster_IsGo()
    {
        var report = Check(Healthy(), "v1.31");
        Assert.All(report.Checks, c => Assert.True(c.Verdict == PreflightVerdict.Pass, $"{c.Name}: {c.Evidence}"));
        Assert.Equal(PreflightVerdict.Pass, report.Verdict);
    }

    [Fact]
    public void NotReadyNode_PressureAndACrashingControlPlanePod_AreNoGo()
    {
        var health = Healthy() with
        {
            Nodes = [new NodeHealth("cp-1", true, "True", []), new NodeHealth("w-1", false, "Unknown", []), new NodeHealth("w-2", false, "True", ["DiskPressure"])],
            ControlPlane = [.. Healthy().ControlPlane.Select(p => p.Component == "kube-scheduler" ? p with { Ready = false, Waiting = "CrashLoopBackOff" } : p)],
        };
        var report = Check(health, "v1.31");

        Assert.Equal(PreflightVerdict.Fail, Find(report, "nodes Ready").Verdict);
        Assert.Contains("w-1 (Unknown)", Find(report, "nodes Ready").Evidence, StringComparison.Ordinal);
        Assert.Contains("w-2: DiskPressure", Find(report, "no pressure").Evidence, StringComparison.Ordinal);
        Assert.Contains("kube-scheduler on cp-1: Running, not Ready, CrashLoopBackOff", Find(report, "control plane healthy").Evidence, StringComparison.Ordinal);
        Assert.Equal(PreflightVerdict.Fail, report.Verdict);
    }

    [Fact]
    public void EtcdMemberDown_IsNoGoWithTheQuorum()
    {
        var health = Healthy() with { ControlPlane = [.. Healthy().ControlPlane.Select(p => p.Component == "etcd" ? p with { Phase = "Pending", Ready = false } : p)] };
        var etcd = Find(Check(health, "v1.31"), "etcd healthy");
        Assert.Equal(PreflightVerdict.Fail, etcd.Verdict);
        Assert.Contains("0/1 Ready (quorum 1)", etcd.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void PendingPodsAndDrainSlowdowns_AreWarnings_ADrainBlockerIsNoGo()
    {
        var warn = PreflightChecker.Check(Plan("v1.31"), Healthy() with { PendingPods = ["default/web-1"] },
            new DrainForecastResult([], [new Blocker(BlockerSeverity.Slows, "default/db", "single replica", "scale up")]), RemovedApis.Default, force: false);
        Assert.Equal(PreflightVerdict.Warn, warn.Verdict);

        var blocked = PreflightChecker.Check(Plan("v1.31"), Healthy(),
            new DrainForecastResult([], [new Blocker(BlockerSeverity.Blocks, "PodDisruptionBudget default/db", "allows no disruption", "scale up")]), RemovedApis.Default, force: false);
        Assert.Equal(PreflightVerdict.Fail, Find(blocked, "every node drainable").Verdict);
        Assert.Equal("scale up", Find(blocked, "every node drainable").Action);
    }

    [Fact]
    public void DrainBlockers_AreListedOnePerLine_WithEachRemedyOnce_AndNoFlagTheUpgradeLacks()
    {
        var report = PreflightChecker.Check(Plan("v1.31"), Healthy(), new DrainForecastResult([],
        [
            new Blocker(BlockerSeverity.Blocks, "node/w-1", "cannot delete Pods that declare no controller (use --force to override): default/debug", "pass --force"),
            new Blocker(BlockerSeverity.Blocks, "node/w-1: poddisruptionbudget/shop/db", "allows no disruption at all", "scale the workload up, relax the budget, or pass --disable-eviction"),
            new Blocker(BlockerSeverity.Blocks, "node/w-2: poddisruptionbudget/shop/db", "allows no disruption at all", "scale the workload up, relax the budget, or pass --disable-eviction"),
        ]), RemovedApis.Default, force: false);

        var drainable = Find(report, "every node drainable");
        Assert.Equal(PreflightVerdict.Fail, drainable.Verdict);
        Assert.Equal(3, drainable.Evidence.Split('\n').Length);
        Assert.Equal(
            "delete the pods no controller manages, or run them under one: the upgrade's drains do not use --force\nscale the workload up, relax the budget",
            drainable.Action);
    }

    [Fact]
    public void RemovedApiStillRequested_OnThePath_IsNoGo_AndUnreadableMetricsAWarning()
    {
        var requested = Healthy("v1.24.17") with { DeprecatedRequests = [new DeprecatedApiRequest("policy", "v1beta1", "poddisruptionbudgets", "1.25")] };
        var used = Find(Check(requested, "v1.25", "v1.24.17"), "removed APIs not in use");
        Assert.Equal(PreflightVerdict.Fail, used.Verdict);
        Assert.Contains("poddisruptionbudgets.policy/v1beta1, removed in v1.25, use policy/v1", used.Evidence, StringComparison.Ordinal);

        var unknown = Find(Check(Healthy("v1.24.17") with { DeprecatedRequests = null }, "v1.25", "v1.24.17"), "removed APIs not in use");
        Assert.Equal(PreflightVerdict.Warn, unknown.Verdict);

        Assert.Equal(PreflightVerdict.Pass, Find(Check(Healthy() with { DeprecatedRequests = null }, "v1.31"), "removed APIs not in use").Verdict);
    }

    [Fact]
    public void WithSafetyFacts_TheBackupLineFollowsEtcd_AndCertificatesComeLast()
    {
        var now = new DateTimeOffset(2025, 9, 1, 12, 0, 0, TimeSpan.Zero);
        var safety = new SafetyFacts(now, null, null, SafetyLimits.MaxBackupAge, new Pitcrew.Doctor.CertificateSurvey([], []), now + SafetyLimits.Window);
        var report = PreflightChecker.Check(Plan("v1.31"), Healthy(), Drainable, RemovedApis.Default, force: false, safety);
        Assert.Equal(["nodes Ready", "no pressure", "control plane healthy", "etcd healthy", "recent backup", "version rules", "every node drainable", "no pending pods",
            "removed APIs not in use", "certificates valid"], report.Checks.Select(c => c.Name));
        Assert.Equal(PreflightVerdict.Warn, report.Verdict);
    }

    [Fact]
    public void VersionRules_AnEndOfLifeMinorIsAWarning_ThatForceDoesNotHide()
    {
        var table = ReleaseTable.Parse("""
            asOf: 2025-08-30
            minors:
              - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2025-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
              - { minor: v1.31, latest: v1.31.12, released: 2024-08-13, endOfLife: 2025-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
            """, "eol.yaml");
        var eol = UpgradePlanner.Plan(Clusters.At("v1.30.4"), table, RunbookLoader.Builtin("apt"), new UpgradeRequest("v1.30"), new DateOnly(2025, 9, 1));
        var warned = Find(PreflightChecker.Check(eol, Healthy(), Drainable, RemovedApis.Default, force: false), "version rules");
        Assert.Equal((PreflightVerdict.Warn, "v1.30: reached end of life on 2025-06-28: no more patches"), (warned.Verdict, warned.Evidence));
        Assert.Contains("the nearest supported minor is v1.31", warned.Action, StringComparison.Ordinal);

        // A kubelet four minors behind is skippable: --force accepts it, the end of life is still said.
        var old = UpgradePlanner.Plan(Clusters.At("v1.30.4").WithKubelet("w-1", "v1.26.1"), table, RunbookLoader.Builtin("apt"), new UpgradeRequest("v1.30"), new DateOnly(2025, 9, 1));
        var forced = Find(PreflightChecker.Check(old, Healthy(), Drainable, RemovedApis.Default, force: true), "version rules");
        Assert.Equal(PreflightVerdict.Warn, forced.Verdict);
        Assert.StartsWith("forced: kubelet on w-1: v1.26.1 would be 4 minors behind", forced.Evidence, StringComparison.Ordinal);
        Assert.EndsWith("\nv1.30: reached end of life on 2025-06-28: no more patches", forced.Evidence, StringComparison.Ordinal);
    }

    private static PreflightReport Check(ClusterHealth health, string to, string current = "v1.30.4") =>
        PreflightChecker.Check(Plan(to, current), health, Drainable, RemovedApis.Default, force: false);

    private static UpgradePlan Plan(string to, string current = "v1.30.4") =>
        UpgradePlanner.Plan(Clusters.At(current, workers: 2), Releases, RunbookLoader.Builtin("apt"), new UpgradeRequest(to), new DateOnly(2025, 9, 1));

    private static ClusterHealth Healthy(string version = "v1.30.4") => new(
        [new NodeHealth("cp-1", true, "True", []), new NodeHealth("w-1", false, "True", []), new NodeHealth("w-2", false, "True", [])],
        [.. new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd" }.Select(c => new ControlPlanePodHealth(c, "cp-1", "Running", true, null))],
        [],
        []);

    private static PreflightCheck Find(PreflightReport report, string name) => report.Checks.Single(c => c.Name == name);
}
