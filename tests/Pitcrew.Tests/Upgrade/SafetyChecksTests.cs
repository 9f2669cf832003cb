using Pitcrew.Backups;
using Pitcrew.Doctor;
using Pitcrew.Etcd;
using Pitcrew.Upgrade.Preflight;

namespace Pitcrew.Tests.Upgrade;

/// <summary>Preflight's recovery checks: etcd members, a recent backup, certificates through the upgrade window.</summary>
public sealed class SafetyChecksTests
{
    private const string Store = "file:///var/backups/etcd";
    private const long Quota = 2L * 1024 * 1024 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset WindowEnd = Now.AddHours(24);

    [Fact]
    public void Etcd_WithoutEtcdFlags_JudgesThePodsAndSaysAlarmsAndSizeWereNotChecked()
    {
        var check = SafetyChecks.Etcd(Health(), null);
        Assert.Equal(PreflightVerdict.Pass, check.Verdict);
        Assert.StartsWith("1/1 members' pods Ready", check.Evidence, StringComparison.Ordinal);
        Assert.Contains("alarms and DB size not checked (pass --endpoints", check.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_HealthyMembers_PassWithLeaderAlarmsAndQuotaInTheEvidence()
    {
        var check = SafetyChecks.Etcd(Health(), new EtcdMemberFacts([Member(100L << 20)], Quota));
        Assert.Equal(PreflightVerdict.Pass, check.Verdict);
        Assert.EndsWith("1/1 members answer, leader a, no alarms, db 100Mi (4% of quota 2Gi)", check.Evidence, StringComparison.Ordinal);
        Assert.Null(check.Action);
    }

    [Theory]
    [InlineData("NOSPACE", "etcdctl alarm disarm")]
    [InlineData("CORRUPT", "pitcrew etcd member replace NODE")]
    public void Etcd_AnAlarm_IsNoGoWithTheDoctorsRemedy(string alarm, string remedy)
    {
        var check = SafetyChecks.Etcd(Health(), new EtcdMemberFacts([Member(100L << 20, [$"memberID:a alarm:{alarm}"])], Quota));
        Assert.Equal(PreflightVerdict.Fail, check.Verdict);
        Assert.EndsWith($"\netcd alarm raised: memberID:a alarm:{alarm}", check.Evidence, StringComparison.Ordinal);
        Assert.Contains(remedy, check.Action, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(85, "Warn")]
    [InlineData(96, "Fail")]
    [InlineData(50, "Pass")]
    public void Etcd_DbSizeAgainstTheQuota(int percent, string expected)
    {
        var verdict = Enum.Parse<PreflightVerdict>(expected);
        var check = SafetyChecks.Etcd(Health(), new EtcdMemberFacts([Member(Quota * percent / 100 + (1 << 20))], Quota));
        Assert.Equal(verdict, check.Verdict);
        if (verdict != PreflightVerdict.Pass)
        {
            Assert.Contains($"database at {percent}% of its quota", check.Evidence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Etcd_AnUnreachableMemberOfAnExternalEtcd_IsNoGo()
    {
        var check = SafetyChecks.Etcd(Health() with { ControlPlane = [] },
            new EtcdMemberFacts([Member(1 << 20), EndpointStatus.Failed("https://10.0.0.12:2379", "connection refused")], Quota));
        Assert.Equal(PreflightVerdict.Fail, check.Verdict);
        Assert.StartsWith("no stacked etcd pods (external etcd)\nhttps://10.0.0.12:2379: etcd member does not answer", check.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_AStackedMemberThatDoesNotAnswer_IsNoGoNamingItsNodeAndWhatOneMoreRestartWouldLeave()
    {
        var members = new[] { StackedEtcd.Up(1), StackedEtcd.Up(2), StackedEtcd.Down(3) };
        var facts = new EtcdMemberFacts([.. members.Select(m => m.Status)], Quota) { Named = members };

        var check = SafetyChecks.Etcd(Health(3), facts);

        Assert.Equal(PreflightVerdict.Fail, check.Verdict);
        Assert.EndsWith($"\netcd on cp-3 does not answer: upgrading another control plane would leave 1 of 3 ({StackedEtcd.Url(3)}: connection refused)", check.Evidence,
            StringComparison.Ordinal);
        Assert.StartsWith("start etcd on cp-3 again and wait until every member is healthy", check.Action, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_AnAlarm_NamesTheNodeOfTheMemberThatRaisedIt()
    {
        var members = new[] { StackedEtcd.Up(1, alarms: "memberID:2 alarm:NOSPACE"), StackedEtcd.Up(2, alarms: "memberID:2 alarm:NOSPACE"), StackedEtcd.Up(3) };
        var facts = new EtcdMemberFacts([.. members.Select(m => m.Status)], Quota) { Named = members };

        var check = SafetyChecks.Etcd(Health(3), facts);

        Assert.Equal(PreflightVerdict.Fail, check.Verdict);
        Assert.EndsWith("\netcd on cp-2 raised alarm NOSPACE", check.Evidence, StringComparison.Ordinal);
        Assert.Contains("etcdctl alarm disarm", check.Action, StringComparison.Ordinal);
    }

    [Fact]
    public void Etcd_ThreeHealthyNamedMembers_Pass()
    {
        var members = StackedEtcd.Healthy();
        var check = SafetyChecks.Etcd(Health(3), new EtcdMemberFacts([.. members.Select(m => m.Status)], Quota) { Named = members });
        Assert.Equal(PreflightVerdict.Pass, check.Verdict);
        Assert.StartsWith("3/3 members' pods Ready", check.Evidence, StringComparison.Ordinal);
        Assert.EndsWith("3/3 members answer, leader 1, no alarms, db 1Mi (0% of quota 2Gi)", check.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Backup_NoStore_WarnsThatApplyTakesOne()
    {
        var check = SafetyChecks.Backup(null, Now, TimeSpan.FromHours(1));
        Assert.Equal(PreflightVerdict.Warn, check.Verdict);
        Assert.Equal("no store given; upgrade apply takes a pre-upgrade backup", check.Evidence);
    }

    [Theory]
    [InlineData(10, true, "Pass")]
    [InlineData(10, false, "Warn")]
    [InlineData(90, true, "Fail")]
    [InlineData(60 * 24 * 30, true, "Fail")]
    public void Backup_NewestAgainstMaxBackupAge(int minutesOld, bool verified, string expected)
    {
        var verdict = Enum.Parse<PreflightVerdict>(expected);
        var check = SafetyChecks.Backup(new BackupStoreFacts(Store, [Manifest("older", minutesOld + 600, verified), Manifest("newest", minutesOld, verified)], null), Now, TimeSpan.FromHours(1));
        Assert.Equal(verdict, check.Verdict);
        Assert.Contains("newest", check.Evidence, StringComparison.Ordinal);
        if (verdict == PreflightVerdict.Fail)
        {
            Assert.Contains("pitcrew etcd backup create --store " + Store, check.Action, StringComparison.Ordinal);
        }
        else if (verdict == PreflightVerdict.Pass)
        {
            Assert.Equal($"newest in {Store}, created 10m ago (revision 42, verified), within --max-backup-age 1h", check.Evidence);
        }
    }

    [Fact]
    public void Backup_AFreshBackupPassesOnlyWhenTheClusterEtcdAnswers_ForApplyTakesItsBackupFromIt()
    {
        var store = new BackupStoreFacts(Store, [Manifest("newest", 5)], null);
        var origin = new Pitcrew.Upgrade.ClusterEtcdSource(new EtcdConnectionOptions(["http://127.0.0.1:2379"]), "advertised by etcd-cp-1", null);
        SafetyFacts Facts(EtcdMemberFacts? etcd, Pitcrew.Upgrade.ClusterEtcdSource source) =>
            new(Now, etcd, store, TimeSpan.FromHours(1), new CertificateSurvey([], []), WindowEnd) { EtcdSource = source };

        var up = Facts(new EtcdMemberFacts([Member(1 << 20)], Quota), origin);
        var pass = SafetyChecks.Backup(up.Backups, Now, TimeSpan.FromHours(1), up.EtcdAnswer);
        Assert.Equal(PreflightVerdict.Pass, pass.Verdict);
        Assert.EndsWith("\netcd at http://127.0.0.1:2379 (advertised by etcd-cp-1) answers", pass.Evidence, StringComparison.Ordinal);

        var down = Facts(new EtcdMemberFacts([EndpointStatus.Failed("http://127.0.0.1:2379", "connection refused")], Quota), origin);
        var fail = SafetyChecks.Backup(down.Backups, Now, TimeSpan.FromHours(1), down.EtcdAnswer);
        Assert.Equal(PreflightVerdict.Fail, fail.Verdict);
        Assert.EndsWith("but etcd at http://127.0.0.1:2379 (advertised by etcd-cp-1) does not answer: connection refused: upgrade apply's pre-upgrade backup would fail",
            fail.Evidence, StringComparison.Ordinal);
        Assert.Equal(SafetyChecks.EtcdRemedy, fail.Action);

        var unknown = Facts(null, new Pitcrew.Upgrade.ClusterEtcdSource(null, "kube-system etcd pods", "no etcd endpoints: none given"));
        Assert.Equal(PreflightVerdict.Fail, SafetyChecks.Backup(unknown.Backups, Now, TimeSpan.FromHours(1), unknown.EtcdAnswer).Verdict);
    }

    [Fact]
    public void Backup_EmptyOrUnreadableStore_IsNoGo()
    {
        var empty = SafetyChecks.Backup(new BackupStoreFacts(Store, [], null), Now, TimeSpan.FromHours(1));
        Assert.Equal(PreflightVerdict.Fail, empty.Verdict);
        Assert.StartsWith("no etcd backup in the store", empty.Evidence, StringComparison.Ordinal);

        var unreadable = SafetyChecks.Backup(new BackupStoreFacts("s3://backups/etcd", null, "Access Denied"), Now, TimeSpan.FromHours(1));
        Assert.Equal(PreflightVerdict.Fail, unreadable.Verdict);
        Assert.Equal("cannot list the backups in s3://backups/etcd: Access Denied", unreadable.Evidence);
    }

    [Fact]
    public void Certificates_AllValidPastThirtyDays_PassNamingTheFirstToExpire()
    {
        var check = SafetyChecks.Certificates(new CertificateSurvey([ApiServer(300), Kubelet("w-1", 200), Kubelet("w-2", 365)], []), Now, WindowEnd);
        Assert.Equal(PreflightVerdict.Pass, check.Verdict);
        Assert.Equal("3 read (kube-apiserver, 2 kubelets); the first to expire: kubelet on w-1 not after 2027-06-19T12:00:00Z (in 200d), after the window's end 2026-12-02T12:00:00Z",
            check.Evidence);
    }

    [Fact]
    public void Certificates_ExpiringBeforeTheWindowEnds_IsNoGo_WithinThirtyDaysAWarning()
    {
        var failing = SafetyChecks.Certificates(new CertificateSurvey([ApiServer(300), Kubelet("w-1", 0.5), Kubelet("w-2", 20)], ["kubelet on w-3 10.0.0.3:10250 (refused)"]), Now, WindowEnd);
        Assert.Equal(PreflightVerdict.Fail, failing.Verdict);
        Assert.Equal("expire before the window's end 2026-12-02T12:00:00Z: kubelet on w-1 not after 2026-12-02T00:00:00Z (in 12h); 3 read (kube-apiserver, 2 kubelets); no certificate read from kubelet on w-3 10.0.0.3:10250 (refused)",
            failing.Evidence);
        Assert.Contains("on w-1 remove kubelet.crt and kubelet.key", failing.Action, StringComparison.Ordinal);

        var shorter = SafetyChecks.Certificates(new CertificateSurvey([ApiServer(300), Kubelet("w-1", 0.5), Kubelet("w-2", 20)], []), Now, Now.AddHours(6));
        Assert.Equal(PreflightVerdict.Warn, shorter.Verdict);
        Assert.StartsWith("valid past the window's end 2026-12-01T18:00:00Z, but expire within 30 days: kubelet on w-1", shorter.Evidence, StringComparison.Ordinal);
        Assert.Contains("kubelet on w-2 not after 2026-12-21T12:00:00Z (in 20d)", shorter.Evidence, StringComparison.Ordinal);

        var expired = SafetyChecks.Certificates(new CertificateSurvey([ApiServer(-2)], []), Now, WindowEnd);
        Assert.Equal(PreflightVerdict.Fail, expired.Verdict);
        Assert.Contains("(expired 2d ago)", expired.Evidence, StringComparison.Ordinal);
        Assert.Contains("kubeadm certs renew apiserver", expired.Action, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificates_NoneRead_IsAWarning()
    {
        var check = SafetyChecks.Certificates(new CertificateSurvey([], ["kube-apiserver 10.0.0.10:6443 (timed out)"]), Now, WindowEnd);
        Assert.Equal(PreflightVerdict.Warn, check.Verdict);
        Assert.Equal("no serving certificate could be read; no certificate read from kube-apiserver 10.0.0.10:6443 (timed out)", check.Evidence);
    }

    private static ClusterHealth Health(int controlPlanes = 1) => new(
        [.. Enumerable.Range(1, controlPlanes).Select(n => new NodeHealth($"cp-{n}", true, "True", []))],
        [.. Enumerable.Range(1, controlPlanes).SelectMany(n => new[] { "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd" }
            .Select(c => new ControlPlanePodHealth(c, $"cp-{n}", "Running", true, null)))],
        [],
        []);

    private static EndpointStatus Member(long size, IReadOnlyList<string>? alarms = null) =>
        new("https://10.0.0.10:2379", 10, 9, "3.5.15", size, size, 10, false, 4, 100, 100, 50, [], alarms ?? [], null);

    private static SeenCertificate ApiServer(double days) => new(CertificateSource.ApiServer, new ObjectRef("Endpoint", null, "10.0.0.10:6443"), "TLS handshake 10.0.0.10:6443",
        new CertificateFacts("kube-apiserver", "CN=kube-apiserver", "CN=kubernetes", Now.AddDays(-65), Now.AddDays(days), false));

    private static SeenCertificate Kubelet(string node, double days) => new(CertificateSource.Kubelet, new ObjectRef("Node", null, node), $"TLS handshake {node}:10250",
        new CertificateFacts(node, $"CN={node}@1700000000", $"CN={node}-ca@1700000000", Now.AddDays(-300), Now.AddDays(days), false));

    private static BackupManifest Manifest(string name, int minutesOld, bool verified = true) => new(
        BackupManifest.CurrentFormat,
        name,
        Now.AddMinutes(-minutesOld),
        Now.AddMinutes(-minutesOld + 1),
        "0.1.0",
        new BackupSource("http://127.0.0.1:2379", "3.5.15", "cdf818194e3a8c32", "8e9e05c52164694d"),
        new BackupSnapshotInfo(42, 0, 4096, new string('0', 64), 10, null, new Dictionary<string, long>()),
        new BackupObjectInfo(name + ".db", 4096, new string('0', 64), "none", null),
        [],
        verified);
}
