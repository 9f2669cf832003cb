using System.Globalization;
using Pitcrew.Doctor;

namespace Pitcrew.Upgrade.Preflight;

/// <summary>
/// The preflight checks that keep an upgrade recoverable: etcd healthy without alarms and under its quota, a fresh backup,
/// and no certificate expiring before the window ends. The doctor's judgments (EtcdChecks, BackupChecks) decide what is
/// wrong; this maps them onto go/no-go lines. Pure.
/// </summary>
internal static class SafetyChecks
{
    public const string EtcdName = "etcd healthy";
    public const string BackupName = "recent backup";
    public const string CertificatesName = "certificates valid";

    private const int Listed = 5;

    /// <summary>The stacked members' pods (quorum), and with etcd flags each member's status: reachable, leader, alarms, DB size against the quota.</summary>
    public static PreflightCheck Etcd(ClusterHealth health, EtcdMemberFacts? etcd)
    {
        var pods = health.ControlPlane.Where(p => p.Component == ClusterVersions.EtcdComponent).ToList();
        var down = pods.Where(m => m.Phase != "Running" || !m.Ready).ToList();
        var quorum = pods.Count / 2 + 1;
        var podEvidence = pods.Count == 0 ? "no stacked etcd pods (external etcd)"
            : down.Count == 0 ? $"{pods.Count}/{pods.Count} members' pods Ready; quorum {quorum} holds while one control plane is upgraded at a time"
            : $"{pods.Count - down.Count}/{pods.Count} Ready (quorum {quorum}); down: {List(down.Select(m => m.Node))}";
        var podCheck = down.Count == 0
            ? new PreflightCheck(EtcdName, PreflightVerdict.Pass, podEvidence)
            : new PreflightCheck(EtcdName, PreflightVerdict.Fail, podEvidence, "restore the missing members first: upgrading one more control plane could lose quorum");
        if (etcd is null)
        {
            return podCheck with
            {
                Evidence = podEvidence + "\nalarms and DB size not checked (pass --endpoints, with --cacert, --cert and --key for a TLS etcd)",
                Action = podCheck.Action ?? (pods.Count == 0 ? "check it with pitcrew etcd endpoint health, or pass --endpoints" : null),
            };
        }

        var findings = EtcdChecks.Check(etcd.Members, etcd.QuotaBytes).Where(f => f.Severity != Severity.Info).OrderByDescending(f => f.Severity).ToList();
        var named = MemberProblems(etcd.Named);
        if (named.Count > 0)
        {
            // The doctor's unreachable and alarm findings say the same without the node; keep the others (no leader, DB size).
            var rest = findings.Where(f => f.Id is not CheckIds.EtcdUnreachable and not CheckIds.EtcdAlarm).ToList();
            var remedy = named[0].Remedy ?? findings.FirstOrDefault(f => f.Id == CheckIds.EtcdAlarm)?.Remedy;
            return new PreflightCheck(EtcdName, PreflightVerdict.Fail, $"{podEvidence}\n{List(named.Select(p => p.Text).Concat(rest.Select(Line)))}", podCheck.Action ?? remedy);
        }

        var verdict = (PreflightVerdict)Math.Max((int)podCheck.Verdict, findings.Count == 0 ? 0 : (int)Verdict(findings[0].Severity));
        var members = findings.Count > 0 ? List(findings.Select(Line)) : MembersEvidence(etcd);
        return new PreflightCheck(EtcdName, verdict, $"{podEvidence}\n{members}", podCheck.Action ?? (findings.Count > 0 ? findings[0].Remedy : null));
    }

    /// <summary>
    /// What is wrong with each member, named by its node: one that does not answer (and what restarting one more control
    /// plane's member would leave), and each alarm with the member that raised it; the remedy only for a silent member.
    /// </summary>
    public static IReadOnlyList<(string Text, string? Remedy)> MemberProblems(IReadOnlyList<EtcdMemberState> members)
    {
        var problems = new List<(string, string?)>();
        var answering = members.Count(m => m.Status.Reachable);
        foreach (var member in members.Where(m => !m.Status.Reachable))
        {
            var left = members.Count > 1 ? $": upgrading another control plane would leave {Math.Max(0, answering - 1)} of {members.Count}" : string.Empty;
            problems.Add(($"etcd on {member.Node} does not answer{left} ({member.Status.Failure})",
                $"start etcd on {member.Node} again and wait until every member is healthy (pitcrew etcd endpoint health --cluster): the upgrade restarts one member at a time and needs all the others"));
        }

        foreach (var alarm in members.Where(m => m.Status.Reachable).SelectMany(m => m.Status.Alarms).Distinct(StringComparer.Ordinal))
        {
            problems.Add((EtcdMembers.AlarmOf(alarm, members) is { } named ? $"etcd on {named.Node} raised alarm {named.Alarm}" : $"etcd alarm raised: {alarm}", null));
        }

        return problems;
    }

    private static string Line(Finding finding) => finding.Object.Kind == "EtcdCluster" ? finding.Symptom : $"{finding.Object.Name}: {finding.Symptom}";

    /// <summary>
    /// The backup line, passing only when the cluster's etcd answers (when it was judged): apply's pre-upgrade backup and
    /// --take-backup are taken from it, so a fresh backup in the store is not enough.
    /// </summary>
    public static PreflightCheck Backup(BackupStoreFacts? store, DateTimeOffset now, TimeSpan maxAge, (bool Answers, string Evidence)? etcd)
    {
        var check = Backup(store, now, maxAge);
        return etcd switch
        {
            null => check,
            { Answers: true } answer => check with { Evidence = $"{check.Evidence}\n{answer.Evidence}" },
            var answer when check.Verdict == PreflightVerdict.Fail => check with { Evidence = $"{check.Evidence}\n{answer.Value.Evidence}" },
            var answer => new(BackupName, PreflightVerdict.Fail, $"{check.Evidence}\nbut {answer.Value.Evidence}: upgrade apply's pre-upgrade backup would fail",
                EtcdRemedy),
        };
    }

    /// <summary>What to do when the cluster's etcd cannot be reached for a backup.</summary>
    public const string EtcdRemedy = "give etcd's --endpoints (and --cacert, --cert, --key for a TLS etcd) as pitcrew etcd takes them";

    /// <summary>A backup newer than --max-backup-age in --store; without a store a warning, since upgrade apply takes its own.</summary>
    public static PreflightCheck Backup(BackupStoreFacts? store, DateTimeOffset now, TimeSpan maxAge)
    {
        if (store is null)
        {
            return new(BackupName, PreflightVerdict.Warn, "no store given; upgrade apply takes a pre-upgrade backup",
                $"pass --store URL to check for a backup newer than --max-backup-age ({Ages.Format(maxAge)})");
        }

        if (store.Backups is null)
        {
            return new(BackupName, PreflightVerdict.Fail, $"cannot list the backups in {store.Store}: {store.Error}",
                "check the store URL, --s3-endpoint and the credentials (pitcrew etcd backup list --store URL)");
        }

        var finding = BackupChecks.Check(store.Store, store.Backups, now, maxAge).FirstOrDefault();
        if (finding is null)
        {
            var newest = store.Backups.MaxBy(b => b.CreatedAt)!;
            return new(BackupName, PreflightVerdict.Pass,
                $"{newest.Name} in {store.Store}, created {Ages.Format(now - newest.CreatedAt)} ago (revision {newest.Snapshot.Revision}{(newest.Verified ? ", verified" : string.Empty)}), within --max-backup-age {Ages.Format(maxAge)}");
        }

        // A missing or late backup is a no-go: the upgrade's way back starts from it. One not marked verified only warns.
        return new(BackupName, finding.Id == CheckIds.EtcdBackupUnverified ? PreflightVerdict.Warn : PreflightVerdict.Fail,
            $"{finding.Symptom}: {string.Join("; ", finding.Evidence)}",
            finding.Id == CheckIds.EtcdBackupUnverified ? finding.Remedy : $"{finding.Remedy}; or rerun preflight with --take-backup");
    }

    /// <summary>No serving certificate expires before the window's end (FAIL), nor within 30 days (WARN).</summary>
    public static PreflightCheck Certificates(CertificateSurvey survey, DateTimeOffset now, DateTimeOffset windowEnd)
    {
        var unread = survey.Unread.Count == 0 ? string.Empty : $"; no certificate read from {List(survey.Unread)}";
        if (survey.Seen.Count == 0)
        {
            return new(CertificatesName, PreflightVerdict.Warn, "no serving certificate could be read" + unread,
                "check them on the nodes: kubeadm certs check-expiration, and openssl x509 -enddate -noout -in /var/lib/kubelet/pki/kubelet.crt");
        }

        var byExpiry = survey.Seen.OrderBy(c => c.Certificate.NotAfter).ToList();
        var failing = byExpiry.Where(c => c.Certificate.NotAfter <= windowEnd).ToList();
        var warning = byExpiry.Where(c => c.Certificate.NotAfter > windowEnd && c.Certificate.NotAfter - now <= SafetyLimits.CertificateWarning).ToList();
        var window = $"the window's end {Ages.Stamp(windowEnd)}";
        var read = $"{byExpiry.Count} read ({Counts(byExpiry)})";
        if (failing.Count > 0)
        {
            return new(CertificatesName, PreflightVerdict.Fail, $"expire before {window}: {List(failing.Select(c => Expiry(c, now)))}; {read}{unread}",
                CertificateChecks.Renewal(failing[0]).Remedy);
        }

        if (warning.Count > 0)
        {
            return new(CertificatesName, PreflightVerdict.Warn,
                $"valid past {window}, but expire within {SafetyLimits.CertificateWarning.TotalDays:0} days: {List(warning.Select(c => Expiry(c, now)))}; {read}{unread}",
                CertificateChecks.Renewal(warning[0]).Remedy);
        }

        return new(CertificatesName, PreflightVerdict.Pass, $"{read}; the first to expire: {Expiry(byExpiry[0], now)}, after {window}{unread}");
    }

    private static string Counts(IEnumerable<SeenCertificate> seen) => string.Join(", ", seen.GroupBy(c => c.Source).OrderBy(g => g.Key).Select(g => g.Key switch
    {
        CertificateSource.ApiServer => "kube-apiserver",
        CertificateSource.Kubelet => $"{g.Count()} kubelet{(g.Count() == 1 ? string.Empty : "s")}",
        CertificateSource.Etcd => $"{g.Count()} etcd member{(g.Count() == 1 ? string.Empty : "s")}",
        _ => $"{g.Count()} kubeadm",
    }));

    private static string MembersEvidence(EtcdMemberFacts etcd)
    {
        var reachable = etcd.Members.Where(m => m.Reachable).ToList();
        var largest = reachable.MaxBy(m => m.DbSize);
        var leader = reachable.FirstOrDefault(m => m.IsLeader);
        return $"{reachable.Count}/{etcd.Members.Count} members answer" + (leader is null ? string.Empty : $", leader {leader.MemberId:x}")
            + ", no alarms" + (largest is null ? string.Empty
                : $", db {Ages.Bytes(largest.DbSize)} ({Ages.Percent(largest.DbSize, etcd.QuotaBytes)}% of quota {Ages.Bytes(etcd.QuotaBytes)})");
    }

    private static string Expiry(SeenCertificate cert, DateTimeOffset now)
    {
        var left = cert.Certificate.NotAfter - now;
        var subject = cert.Source switch
        {
            CertificateSource.ApiServer => $"kube-apiserver {cert.Object.Name}",
            CertificateSource.Kubelet => $"kubelet on {cert.Object.Name}",
            CertificateSource.Etcd => $"etcd {cert.Object.Name}",
            _ => cert.Object.Name,
        };
        var when = left <= TimeSpan.Zero ? $"expired {Ages.Format(-left)} ago" : $"in {Ages.Format(left)}";
        return string.Create(CultureInfo.InvariantCulture, $"{subject} not after {Ages.Stamp(cert.Certificate.NotAfter)} ({when})");
    }

    private static PreflightVerdict Verdict(Severity severity) => severity switch
    {
        Severity.Critical => PreflightVerdict.Fail,
        Severity.Warning => PreflightVerdict.Warn,
        _ => PreflightVerdict.Pass,
    };

    private static string List(IEnumerable<string> items)
    {
        var all = items.ToList();
        return string.Join("; ", all.Take(Listed)) + (all.Count > Listed ? $"; and {all.Count - Listed} more" : string.Empty);
    }
}
