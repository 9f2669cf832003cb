using Pitcrew.Errors;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Tests.Upgrade;

public sealed class UpgradePlannerTests
{
    private static readonly DateOnly Today = new(2025, 9, 1);

    private static readonly ReleaseTable Releases = ReleaseTable.Parse("""
        asOf: 2025-08-30
        minors:
          - { minor: v1.28, latest: v1.28.15, released: 2023-08-15, endOfLife: 2024-10-28, etcd: 3.5.15-0, coredns: v1.10.1 }
          - { minor: v1.29, latest: v1.29.15, released: 2023-12-13, endOfLife: 2025-02-28, etcd: 3.5.15-0, coredns: v1.11.1 }
          - { minor: v1.30, latest: v1.30.14, released: 2024-04-17, endOfLife: 2025-06-28, etcd: 3.5.15-0, coredns: v1.11.3 }
          - { minor: v1.31, latest: v1.31.12, released: 2024-08-13, endOfLife: 2025-10-28, etcd: 3.5.15-0, coredns: v1.11.3 }
          - { minor: v1.32, latest: v1.32.8, released: 2024-12-11, endOfLife: 2026-02-28, etcd: 3.5.16-0, coredns: v1.11.3 }
        """, "test-releases.yaml");

    private static UpgradePlan Plan(ClusterVersions cluster, string? to, bool viaLatestPatch = false) =>
        UpgradePlanner.Plan(cluster, Releases, RunbookLoader.Builtin("apt"), new UpgradeRequest(to, viaLatestPatch), Today);

    [Theory]
    [InlineData("a minor: its latest patch", "v1.30", "v1.30.14")]
    [InlineData("a full version", "v1.30.4", "v1.30.4")]
    [InlineData("no target: the newest release", null, "v1.32.8")]
    public void Target_IsResolvedFromTheReleaseTable(string description, string? to, string expected)
    {
        Assert.Equal(expected, Plan(Clusters.At("v1.29.3"), to).Target);
        Assert.NotEmpty(description);
    }

    [Fact]
    public void Path_GoesOneMinorAtATime_AtTheLatestPatchOfEach_StraightFromTheCurrentPatch()
    {
        var plan = Plan(Clusters.At("v1.28.3"), "v1.30.4");

        Assert.Equal(["v1.29.15", "v1.30.4"], plan.Path);
        Assert.Equal(["v1.28.3", "v1.29.15"], plan.Steps.Select(s => s.From));
        Assert.All(plan.Checks.Where(c => c.Rule == "kube-apiserver one minor per step"), c => Assert.Equal(CheckSeverity.Ok, c.Severity));
        Assert.False(plan.HasMandatory);
    }

    [Fact]
    public void Path_ViaLatestPatch_GoesToTheCurrentMinorsLatestPatchFirst_AndThePlanShowsTheOtherPaths()
    {
        var via = Plan(Clusters.At("v1.30.4"), "v1.31", viaLatestPatch: true);
        Assert.Equal(["v1.30.14", "v1.31.12"], via.Path);
        Assert.Equal(["v1.30.4", "v1.30.14"], via.Steps.Select(s => s.From));
        Assert.Contains(via.Options, o => o.Flags == "without --via-latest-patch" && o.Path.SequenceEqual(["v1.31.12"]));

        // As kubeadm upgrade plan: the next minor directly, and beside it the latest patch of the current minor, either alone or first.
        var direct = Plan(Clusters.At("v1.30.4"), "v1.31");
        Assert.Equal(["v1.31.12"], direct.Path);
        Assert.Equal([("--via-latest-patch", "v1.30.14 v1.31.12"), ("--to v1.30", "v1.30.14")], direct.Options.Select(o => (o.Flags, string.Join(' ', o.Path))));

        // At the latest patch already there is nothing else to show; within a minor the patch is the path.
        Assert.Empty(Plan(Clusters.At("v1.30.14"), "v1.31").Options);
        Assert.Equal(["v1.30.14"], Plan(Clusters.At("v1.30.4"), "v1.30", viaLatestPatch: true).Path);
    }

    [Fact]
    public void Step_ListsKubeletsPerNodeAndControlPlaneComponentsPerControlPlaneNode_AsKubeadm()
    {
        var plan = Plan(Clusters.At("v1.30.4", controlPlanes: 3, workers: 2), "v1.31");
        var step = Assert.Single(plan.Steps, s => s.To == "v1.31.12");

        Assert.Equal(5, step.Kubelets.Count);
        Assert.All(step.Kubelets, k => Assert.Equal(("kubelet", "v1.30.4", "v1.31.12"), (k.Component, k.Current, k.Target)));
        Assert.Equal(3, step.ControlPlane.Count(c => c.Component == "kube-apiserver"));
        Assert.Equal(3, step.ControlPlane.Count(c => c.Component == "etcd"));
        Assert.Contains(new ComponentChange("kube-proxy", null, "v1.30.4", "v1.31.12"), step.ControlPlane);
        Assert.Contains(new ComponentChange("CoreDNS", null, "v1.11.3", "v1.11.3"), step.ControlPlane);
        Assert.Equal(["first-control-plane", "control-plane", "worker"], step.Commands.Select(c => c.Role));
        Assert.Equal(["cp-2", "cp-3"], step.Commands[1].Nodes);
        Assert.Contains(step.Commands[0].Steps, s => s == "kubeadm-apply: kubeadm upgrade apply v1.31.12 -y");
        Assert.Contains(step.Commands[2].Steps, s => s.Contains("kubeadm=1.31.12-1.1", StringComparison.Ordinal));
    }

    [Fact]
    public void UpToDate_HasNoSteps()
    {
        var plan = Plan(Clusters.At("v1.32.8"), null);
        Assert.True(plan.UpToDate);
        Assert.True(plan.CanProceed(force: false));
    }

    [Theory]
    [InlineData("kubelet four minors behind the first target is skippable", "v1.27.5", "Skippable")]
    [InlineData("kubelet three minors behind is fine", "v1.28.1", "Ok")]
    [InlineData("kubelet newer than the API server is mandatory", "v1.31.0", "Mandatory")]
    public void KubeletSkew_IsCheckedAgainstTheFirstStep(string description, string kubelet, string severity)
    {
        var expected = Enum.Parse<CheckSeverity>(severity);
        // Cluster v1.30.4 -> first step v1.31.12.
        var plan = Plan(Clusters.At("v1.30.4").WithKubelet("w-2", kubelet), "v1.31");
        var check = plan.Checks.Single(c => c.Subject == "kubelet on w-2");

        Assert.True(expected == check.Severity, $"{description}: {check.Severity} {check.Reason}");
        Assert.Equal(expected == CheckSeverity.Ok, plan.CanProceed(force: false));
        Assert.Equal(expected != CheckSeverity.Mandatory, plan.CanProceed(force: true));
    }

    [Fact]
    public void KubeletOlderThan125_IsAllowedOnlyTwoMinors()
    {
        var plan = Plan(Clusters.At("v1.27.16").WithKubelet("w-1", "v1.24.17"), "v1.28");
        var check = plan.Checks.Single(c => c.Subject == "kubelet on w-1");
        Assert.Equal(CheckSeverity.Skippable, check.Severity);
        Assert.Contains("the policy allows 2", check.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("scheduler two minors older", "kube-scheduler", "v1.28.3", "Skippable")]
    [InlineData("controller-manager one minor older", "kube-controller-manager", "v1.29.9", "Ok")]
    [InlineData("controller-manager newer than the API server", "kube-controller-manager", "v1.31.0", "Mandatory")]
    public void ControllerSkew_AllowsOneMinorOlderNeverNewer(string description, string component, string tag, string severity)
    {
        var expected = Enum.Parse<CheckSeverity>(severity);
        var plan = Plan(Clusters.At("v1.30.4").WithPod("cp-1", component, tag), "v1.30");
        var check = plan.Checks.Single(c => c.Subject == $"{component} on cp-1");
        Assert.True(expected == check.Severity, $"{description}: {check.Severity} {check.Reason}");
    }

    [Fact]
    public void HalfDoneControlPlane_IsFoundAndApiServersMoreThanOneMinorApartAreMandatory()
    {
        var half = Plan(Clusters.At("v1.30.4", controlPlanes: 2).WithPod("cp-2", "kube-apiserver", "v1.31.12"), "v1.31");
        Assert.Contains(half.Checks, c => c.Rule == "control plane at one version" && c.Subject == "kube-apiserver on cp-2" && c.Severity == CheckSeverity.Skippable);

        var apart = Plan(Clusters.At("v1.30.4", controlPlanes: 2).WithPod("cp-2", "kube-apiserver", "v1.28.1"), "v1.31");
        Assert.Contains(apart.Checks, c => c.Rule == "kube-apiserver instances within one minor" && c.Severity == CheckSeverity.Mandatory);
    }

    [Fact]
    public void Kubectl_MoreThanOneMinorFromTheTarget_IsAWarningThatNeverBlocks()
    {
        var plan = Plan(Clusters.At("v1.30.4") with { Kubectl = KubeVersion.Parse("v1.28.2") }, "v1.31");
        var check = plan.Checks.Single(c => c.Subject == "kubectl on this machine");
        Assert.Equal(CheckSeverity.Warning, check.Severity);
        Assert.True(plan.CanProceed(force: false));
    }

    [Fact]
    public void Support_ReportsEndOfLifeMaintenanceAndSupported()
    {
        var plan = Plan(Clusters.At("v1.29.3"), "v1.31");
        Assert.Equal([SupportWindow.EndOfLife, SupportWindow.EndOfLife, SupportWindow.Maintenance], plan.Support.Select(s => s.Status));
        Assert.Equal(["v1.29", "v1.30", "v1.31"], plan.Support.Select(s => s.Minor));
        Assert.Equal(SupportWindow.Supported, Plan(Clusters.At("v1.31.2"), "v1.32").Support[^1].Status);
    }

    [Fact]
    public void EndOfLifeTargetAndHops_AreWarningsNamingTheNearestSupportedMinor_AndTheUpgradeMayProceed()
    {
        // On 2025-09-01 v1.28 to v1.30 are past their end of life, v1.31 is in maintenance: the oldest one still patched.
        var plan = Plan(Clusters.At("v1.28.3"), "v1.30");
        var warnings = plan.Checks.Where(c => c.Rule == SkewChecker.SupportedRule).ToList();
        Assert.Equal(["v1.29", "v1.30"], warnings.Select(c => c.Subject));
        Assert.All(warnings, c => Assert.Equal(CheckSeverity.Warning, c.Severity));
        Assert.All(warnings, c => Assert.Contains("the nearest supported minor is v1.31", c.Hint, StringComparison.Ordinal));
        Assert.True(plan.CanProceed(force: false));

        // A hop on the way to a supported target says so.
        var through = Plan(Clusters.At("v1.29.3"), "v1.31");
        Assert.Equal("a hop on the way to v1.31, which is supported", through.Checks.Single(c => c.Subject == "v1.30").Hint);
        Assert.True(through.CanProceed(force: false));
    }

    [Theory]
    [InlineData("v1.33", "v1.33 is not in the release table")]
    [InlineData("v1.30.99", "v1.30.99 is not in the release table")]
    [InlineData("latest", "expected a version such as v1.30.4")]
    public void Target_NotInTheTableOrMalformed_IsAUsageError(string to, string message)
    {
        var error = Assert.Throws<PitcrewException>(() => Plan(Clusters.At("v1.30.4"), to));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Downgrade_IsMandatory_AndNotUpToDate()
    {
        var plan = Plan(Clusters.At("v1.31.2"), "v1.30.4");
        Assert.Contains(plan.Checks, c => c.Rule == "no downgrade" && c.Severity == CheckSeverity.Mandatory);
        Assert.False(plan.CanProceed(force: true));
        Assert.True(plan.Downgrade);
        Assert.False(plan.UpToDate);
    }

    [Fact]
    public void ReleaseTable_RejectsAPatchOutsideItsMinorWithLine()
    {
        var error = Assert.Throws<PitcrewException>(() => ReleaseTable.Parse("asOf: 2025-01-01\nminors:\n  - { minor: v1.30, latest: v1.31.1, released: 2024-04-17, endOfLife: 2025-06-28, etcd: x, coredns: y }\n", "r.yaml"));
        Assert.Contains("r.yaml: line 3: minors[0].latest: \"v1.31.1\" is not a patch release of v1.30", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BuiltinReleaseTable_Loads()
    {
        Assert.True(ReleaseTable.Default.Minors.Count >= 3);
        Assert.NotNull(ReleaseTable.Default.Find(1, 30));
    }
}
