using Pitcrew.Certs;
using Pitcrew.Doctor;
using Pitcrew.Errors;

namespace Pitcrew.Tests.Certs;

/// <summary>The renewal plan: names checked, one node at a time, copies aside, and only the static pods that use a renewed certificate restarted.</summary>
public sealed class CertsRenewPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("bogus")]
    [InlineData("apiserver,etcd")]
    [InlineData("all,apiserver")]
    [InlineData("")]
    public void CheckNames_RefusesWhatKubeadmDoesNotRenew_AsAUsageError(string names)
    {
        var error = Assert.Throws<PitcrewException>(() => CertsRenewPlanner.CheckNames(names.Split(',', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Plan_All_RestartsEveryStaticPod_NodeByNode_AndRefreshesTheKubeconfigFromTheFirst()
    {
        var plan = CertsRenewPlanner.Plan(Inputs(["all"], "/home/me/.kube/config"), [ControlPlane("cp-1"), ControlPlane("cp-2", superAdmin: false)]);
        Assert.Equal(["cp-1", "cp-2"], plan.Nodes.Select(n => n.Node));
        var ids = plan.Steps.Select(s => s.Id).ToList();
        Assert.Equal("cp-1/backup", ids[0]);
        Assert.True(ids.IndexOf("cp-1/verify") < ids.IndexOf("cp-2/backup"), "one control plane at a time");
        Assert.Equal(["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"],
            plan.Steps.Where(s => s.Node == "cp-1" && s.Kind == RenewStepKind.WaitReady).Select(s => s.Component));
        Assert.Equal("kubeadm certs renew all", plan.Steps.Single(s => s.Id == "cp-2/renew").Command);
        Assert.Equal("cp -a /etc/kubernetes/pki /etc/kubernetes/pki.pitcrew-S && cp -a /etc/kubernetes/admin.conf /etc/kubernetes/admin.conf.pitcrew-S",
            plan.Steps.Single(s => s.Id == "cp-2/backup").Command);
        Assert.Contains("cp -a /etc/kubernetes/super-admin.conf /etc/kubernetes/super-admin.conf.pitcrew-S", plan.Steps[0].Command, StringComparison.Ordinal);
        Assert.Equal("mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml.pitcrew-S", plan.Steps.Single(s => s.Id == "cp-1/restart/etcd/out").Command);
        Assert.Equal("cp-1/admin-conf", ids[^1]);
    }

    [Fact]
    public void Plan_OneCertificate_RestartsOnlyWhatUsesIt()
    {
        var plan = CertsRenewPlanner.Plan(Inputs(["scheduler.conf", "admin.conf"], null), [ControlPlane("cp-1")]);
        Assert.Equal("kubeadm certs renew admin.conf && kubeadm certs renew scheduler.conf", plan.Steps.Single(s => s.Id == "cp-1/renew").Command);
        Assert.Equal(["kube-scheduler"], plan.Steps.Where(s => s.Kind == RenewStepKind.WaitReady).Select(s => s.Component));
        Assert.DoesNotContain(plan.Steps, s => s.Kind is RenewStepKind.VerifyServing or RenewStepKind.UpdateAdminConf);
    }

    [Fact]
    public void Plan_ANodeWithoutTheNamedCertificate_FailsBeforeAnything()
    {
        var error = Assert.Throws<PitcrewException>(() => CertsRenewPlanner.Plan(Inputs(["super-admin.conf"], null), [ControlPlane("cp-2", superAdmin: false)]));
        Assert.Contains("node/cp-2 has no super-admin.conf", error.Message, StringComparison.Ordinal);
    }

    private static RenewInputs Inputs(IReadOnlyList<string> names, string? kubeconfig) =>
        new(names, "/etc/kubernetes/pki", "/etc/kubernetes/manifests", "S", kubeconfig);

    private static NodeCertificates ControlPlane(string node, bool superAdmin = true)
    {
        var rows = KubeadmCertificates.Authorities.Select(a => new CertificateRow(a.Name, Now.AddYears(10), "9y", null, false, true))
            .Concat(KubeadmCertificates.Leaves.Where(l => superAdmin || l.Name != "super-admin.conf")
                .Where(l => superAdmin || !l.IsKubeconfig || l.Name == "admin.conf")
                .Select(l => new CertificateRow(l.Name, Now.AddDays(20), "20d", l.Authority, false, false)));
        return new NodeCertificates(node, true, [.. rows], []);
    }
}
