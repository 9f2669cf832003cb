using Pitcrew.Cluster;
using Pitcrew.Etcd;

namespace Pitcrew.Doctor;

/// <summary>Gathers the facts a scope needs (in parallel, paged, probes bounded), runs the pure checks, and returns one report.</summary>
/// <param name="trace">With -v: how long each gather took and how much it brought, written as it finishes.</param>
internal sealed class DoctorRunner(IDoctorApi api, TimeProvider time, Action<string>? trace = null)
{
    private readonly List<Finding> _findings = [];
    private readonly List<string> _notes = [];
    private readonly Lock _gate = new();

    /// <summary>Events and metrics only add evidence: past this, they are left out with a note instead of holding up the report.</summary>
    private static readonly TimeSpan OptionalGatherLimit = TimeSpan.FromSeconds(30);

    public async Task<DoctorReport> RunAsync(DoctorOptions options, CancellationToken cancellationToken)
    {
        var needsCluster = options.Scope != DoctorScope.Etcd;
        var needsPods = options.Checks(DoctorScope.Nodes, DoctorScope.Node, DoctorScope.Pods);
        var nodesTask = needsCluster ? Timed("nodes", Guard("nodes", () => api.ListNodesAsync(cancellationToken), [], cancellationToken), n => n.Count) : Task.FromResult<IReadOnlyList<NodeFacts>>([]);
        var leasesTask = options.Checks(DoctorScope.Nodes, DoctorScope.Node)
            ? Timed("node leases", Guard("node leases", () => api.ListNodeLeasesAsync(cancellationToken), new Dictionary<string, DateTimeOffset?>(), cancellationToken), l => l.Count)
            : Task.FromResult<IReadOnlyDictionary<string, DateTimeOffset?>>(new Dictionary<string, DateTimeOffset?>());
        var podsTask = needsPods ? Timed("pods", PodsAsync(options.Namespace, cancellationToken), p => p.Count) : Task.FromResult<IReadOnlyList<PodFacts>>([]);
        var eventsTask = options.Checks(DoctorScope.Pods, DoctorScope.Node)
            ? Timed("warning events", Guard("warning events", () => Bounded(ct => api.ListWarningEventsAsync(options.Namespace, ct), cancellationToken), [], cancellationToken), e => e.Count)
            : Task.FromResult<IReadOnlyList<EventFacts>>([]);
        var usageTask = options.Checks(DoctorScope.Nodes, DoctorScope.Node) ? Timed("node usage", Guard("node usage", () => Bounded(api.NodeUsageAsync, cancellationToken), null, cancellationToken), u => u?.Count ?? 0) : Task.FromResult<IReadOnlyList<NodeUsage>?>(null);
        var versionTask = needsCluster ? Guard("the API server version", () => api.ServerVersionAsync(cancellationToken), null, cancellationToken) : Task.FromResult<string?>(null);
        var etcdTask = options.Checks(DoctorScope.Etcd, DoctorScope.Certs) ? EtcdAsync(options, cancellationToken) : Task.FromResult(EtcdClusterView.Empty);
        var apiCertTask = options.Checks(DoctorScope.Certs) && api.ServerEndpoint is { } server
            ? TlsProbe.ProbeAsync("kube-apiserver", server.Host, server.Port, options.EffectiveProbeTimeout, cancellationToken)
            : Task.FromResult<ProbeResult?>(null)!;

        var nodes = await nodesTask.ConfigureAwait(false);
        if (options.Scope == DoctorScope.Node)
        {
            nodes = nodes.Where(n => n.Name == options.NodeName).ToList();
            if (nodes.Count == 0)
            {
                throw new Errors.PitcrewException($"Error from server (NotFound): nodes \"{options.NodeName}\" not found", Errors.ExitCodes.Failed);
            }
        }

        var probes = options.Checks(DoctorScope.Nodes, DoctorScope.Node, DoctorScope.Certs)
            ? await Timed("kubelet probes", DoctorGathering.ProbeKubeletsAsync(nodes, options.ProbeConcurrency, options.EffectiveProbeTimeout, cancellationToken), p => p.Count)
                .ConfigureAwait(false)
            : [];
        var byNode = probes.ToDictionary(p => p.Target, StringComparer.Ordinal);
        var pods = await podsTask.ConfigureAwait(false);
        var usage = await usageTask.ConfigureAwait(false);
        if (usage is null && options.Checks(DoctorScope.Nodes, DoctorScope.Node))
        {
            Note("node usage not checked: the metrics API (metrics.k8s.io) is not available; install metrics-server for kubectl top and usage checks");
        }

        var facts = new ClusterFacts(nodes, await leasesTask.ConfigureAwait(false), pods, await eventsTask.ConfigureAwait(false), usage,
            await versionTask.ConfigureAwait(false));
        var now = time.GetUtcNow();
        if (options.Checks(DoctorScope.Nodes, DoctorScope.Node))
        {
            Add(NodeChecks.Check(facts, byNode, now));
        }

        if (options.Checks(DoctorScope.Pods))
        {
            Add(PodChecks.Check(facts, ns => options.Namespace is null || ns == options.Namespace, now));
        }
        else if (options.Scope == DoctorScope.Node)
        {
            var onNode = facts with { Pods = [.. pods.Where(p => p.NodeName == options.NodeName)], Events = [.. facts.Events.Where(e => e.Kind == "Node" && e.Name == options.NodeName)] };
            Add(PodChecks.Check(onNode, _ => true, now).Where(f => f.Id != CheckIds.PodPending));
        }

        var etcd = await etcdTask.ConfigureAwait(false);
        if (options.Checks(DoctorScope.Etcd) && etcd.Statuses.Count > 0)
        {
            Add(EtcdChecks.Check([.. etcd.Statuses.Where(s => !EtcdMemberChecks.Covers(etcd, s))], options.EtcdQuotaBytes));
            Add(EtcdMemberChecks.Check(etcd));
        }

        if (options.Checks(DoctorScope.Etcd) && options.Backups is { } backups)
        {
            var manifests = await Guard<IReadOnlyList<Backups.BackupManifest>?>("etcd backups in " + backups.Store, async () => await backups.List(cancellationToken).ConfigureAwait(false), null, cancellationToken)
                .ConfigureAwait(false);
            if (manifests is not null)
            {
                Add(BackupChecks.Check(backups.Store, manifests, now, options.MaxBackupAge));
            }
        }

        if (options.Checks(DoctorScope.Certs))
        {
            var etcdCertificates = await DoctorGathering.EtcdCertificatesAsync(etcd.Statuses, etcd.Connection ?? options.Etcd, options.ProbeConcurrency, options.EffectiveProbeTimeout, cancellationToken)
                .ConfigureAwait(false);
            var survey = CertificateSurvey.From(await apiCertTask.ConfigureAwait(false), probes, etcdCertificates);
            if (survey.Unread.Count > 0)
            {
                Note($"no certificate read from {string.Join("; ", survey.Unread)}");
            }

            var seen = new List<SeenCertificate>(survey.Seen);
            var kubeadm = KubeadmTable(options, now, seen);
            Add(CertificateChecks.Check(seen, now));
            return Report(options, facts.ServerVersion, now, kubeadm) with
            {
                ServingCertificates = [.. survey.Seen.Select(c => ServingCertificateRow.Of(c, now)).OrderBy(r => r.Expires)],
            };
        }

        return Report(options, facts.ServerVersion, now, []);
    }

    private async Task<T> Timed<T>(string what, Task<T> gather, Func<T, int> count)
    {
        if (trace is null)
        {
            return await gather.ConfigureAwait(false);
        }

        var started = time.GetTimestamp();
        var result = await gather.ConfigureAwait(false);
        trace(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"doctor: {what}: {count(result):N0} in {time.GetElapsedTime(started).TotalSeconds:F2} s"));
        return result;
    }

    private DoctorReport Report(DoctorOptions options, string? server, DateTimeOffset now, IReadOnlyList<CertificateRow> certificates)
    {
        var scope = options.Scope == DoctorScope.Node ? $"node {options.NodeName}" : options.Scope.ToString().ToLowerInvariant();
        return new DoctorReport(DoctorReport.CurrentSchemaVersion, scope, now, server, DoctorReport.Order(_findings), [.. _notes]) { Certificates = certificates };
    }

    private IReadOnlyList<CertificateRow> KubeadmTable(DoctorOptions options, DateTimeOffset now, List<SeenCertificate> seen)
    {
        var directory = options.PkiDirectory ?? KubeadmCertificates.DefaultPkiDirectory;
        if (!Directory.Exists(directory))
        {
            Note(options.PkiDirectory is not null
                ? $"kubeadm certificates not checked: {directory} does not exist"
                : $"kubeadm certificates not checked: no {directory} on this host; run on a control-plane node or pass --pki-dir");
            return [];
        }

        var (rows, files) = KubeadmCertificates.Read(directory, now);
        seen.AddRange(files);
        return rows;
    }

    private async Task<IReadOnlyList<PodFacts>> PodsAsync(string? ns, CancellationToken cancellationToken)
    {
        try
        {
            // Every pod counts against node resources, whatever namespace is asked about.
            return await api.ListPodsAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (NotAuthorizedException) when (ns is not null)
        {
            Note($"pods of other namespaces not readable: free node resources for pending pods are computed from namespace {ns} only");
            return await Guard($"pods in namespace {ns}", () => api.ListPodsAsync(ns, cancellationToken), [], cancellationToken).ConfigureAwait(false);
        }
        catch (NotAuthorizedException e)
        {
            Denied(e);
            return [];
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not Errors.PitcrewException { ExitCode: Errors.ExitCodes.TlsOrAuth })
        {
            Note($"pods not checked: {(e is OperationCanceledException ? "the request timed out" : e.Message)}");
            return [];
        }
    }

    /// <summary>
    /// The etcd given (--endpoints); else, when there is a cluster to read, the members kube-system's etcd pods advertise, as
    /// kubeadm finds them (with its certificates under the PKI dir for a TLS etcd); else a note says how to give it.
    /// </summary>
    private async Task<EtcdClusterView> EtcdAsync(DoctorOptions options, CancellationToken cancellationToken)
    {
        var etcd = options.Etcd;
        if (etcd is null && api is not IDoctorApi.Offline)
        {
            var pods = await Guard("the etcd pods in kube-system", () => api.ListEtcdPodsAsync(cancellationToken), [], cancellationToken).ConfigureAwait(false);
            var found = Upgrade.ClusterEtcd.Resolve(new EtcdConnectionOptions([]), endpointsGiven: false, pods,
                options.PkiDirectory ?? KubeadmCertificates.DefaultPkiDirectory, File.Exists);
            if (found.Options is null)
            {
                Note($"etcd not checked: {found.Problem}");
                return EtcdClusterView.Empty;
            }

            Note($"etcd: {found.Endpoints} ({found.Origin})");
            etcd = found.Options;
        }

        if (etcd is null)
        {
            Note("etcd not checked: give --endpoints (with --cacert, --cert and --key for a TLS etcd) to check its members");
            return EtcdClusterView.Empty;
        }

        return await DoctorGathering.EtcdClusterAsync(etcd, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One gather: a 403 becomes a not-authorized finding, and a failure or timeout of this one list a note, so the other
    /// checks still run (partial results, said so); nodes missing leave little to check, which the notes say.
    /// </summary>
    private async Task<T> Guard<T>(string what, Func<Task<T>> gather, T fallback, CancellationToken cancellationToken)
    {
        try
        {
            return await gather().ConfigureAwait(false);
        }
        catch (NotAuthorizedException e)
        {
            Denied(e);
            return fallback;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && what != "nodes" && e is not Errors.PitcrewException { ExitCode: Errors.ExitCodes.TlsOrAuth })
        {
            Note($"{what} not checked: {(e is OperationCanceledException ? "the request timed out" : e.Message)}");
            return fallback;
        }
    }

    private void Denied(NotAuthorizedException e)
    {
        lock (_gate)
        {
            _findings.Add(new Finding(CheckIds.NotAuthorized, Severity.Info, new ObjectRef("Check", null, e.What), $"not authorized to check {e.What}",
                "the credentials in use may not read this (RBAC); the checks that need it were skipped", [Trim(e.Message)],
                $"run with a user allowed to get and list {e.What} (the doctor only reads), or accept the gap"));
        }
    }

    private static async Task<T> Bounded<T>(Func<CancellationToken, Task<T>> gather, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(OptionalGatherLimit);
        return await gather(limit.Token).ConfigureAwait(false);
    }

    private static string Trim(string text) => text.Length > 300 ? text[..300] + "..." : text;

    private void Note(string note)
    {
        lock (_gate)
        {
            _notes.Add(note);
        }
    }

    private void Add(IEnumerable<Finding> findings)
    {
        var list = findings.ToList();
        lock (_gate)
        {
            _findings.AddRange(list);
        }
    }
}
