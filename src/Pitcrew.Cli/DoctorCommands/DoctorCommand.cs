using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Cluster;
using Pitcrew.Doctor;

namespace Pitcrew.Cli.DoctorCommands;

/// <summary>pitcrew doctor [cluster|nodes|node NAME|pods|certs|etcd]: read-only diagnosis with causes, evidence and remedies.</summary>
internal static class DoctorCommand
{
    private static readonly Option<string?> Namespace = new("--namespace", "-n") { Description = "Pods and events of this namespace only", Recursive = true };
    private static readonly Option<bool> AllNamespaces = new("--all-namespaces", "-A") { Description = "Every namespace (the default)", Recursive = true };
    private static readonly Option<string?> Kubeconfig = new("--kubeconfig") { Description = "Path to the kubeconfig file (as kubectl finds it when absent)", Recursive = true };
    private static readonly Option<string?> Context = new("--context") { Description = "The kubeconfig context to use", Recursive = true };
    private static readonly Option<Severity> FailOn = new("--fail-on")
    {
        Description = "Exit non-zero when a finding is at least this severe: warning (default) or critical",
        DefaultValueFactory = _ => Severity.Warning,
        CustomParser = r => r.Tokens.Count == 0 ? Severity.Warning : r.Tokens[0].Value switch
        {
            "warning" => Severity.Warning,
            "critical" => Severity.Critical,
            var other => throw new PitcrewException($"--fail-on \"{other}\": want warning or critical", ExitCodes.Usage),
        },
        HelpName = "warning|critical",
        Recursive = true,
    };

    private static readonly Option<string?> BaselineFile = new("--baseline") { Description = "An earlier `-o json` report: show new, fixed and unchanged findings", Recursive = true };
    private static readonly Option<string?> PkiDir = new("--pki-dir") { Description = "kubeadm's pki directory to list (default /etc/kubernetes/pki when present)", Recursive = true };
    private static readonly Option<long?> EtcdQuota = new("--etcd-quota-bytes") { Description = "etcd's --quota-backend-bytes (default 2 GiB)", Recursive = true };
    private static readonly Option<string?> ProbeTimeout = new("--probe-timeout") { Description = "Timeout of each TCP and TLS probe, e.g. 2s (default 2s)", Recursive = true };
    private static readonly Option<string?> Store = new("--store")
    {
        Description = "Also check etcd backup freshness in this store: file:///path or s3://bucket[/prefix] [PITCREW_BACKUP_STORE]",
        HelpName = "URL",
        Recursive = true,
    };

    private static readonly Option<string?> S3Endpoint = new("--s3-endpoint") { Description = "URL of an S3-compatible service for --store", HelpName = "URL", Recursive = true };
    private static readonly Option<string?> MaxBackupAge = new("--max-backup-age") { Description = "The newest backup may be this old, e.g. 1h or 25h (default 25h)", Recursive = true };
    private static readonly IReadOnlyList<OutputFormat> Formats =
        [OutputFormat.Table, OutputFormat.Json, OutputFormat.Yaml, OutputFormat.Markdown, OutputFormat.Html, OutputFormat.Sarif];

    private static readonly Argument<string> NodeName = new("NAME") { Description = "The node to diagnose" };

    public static Command Create(CliContext context)
    {
        var doctor = new Command("doctor").Describe(
            "Diagnose the cluster: findings with cause, evidence and remedy (read-only)",
            """
            Gathers nodes, leases, pods, events and node metrics (paged), probes each kubelet's port 10250 and reads the
            serving certificates of the API server, kubelets and etcd members from their TLS handshakes, checks etcd's
            members, alarms and quota, and reports findings worst first. Nothing is changed. Without a scope: cluster.
            Exit codes: 0 nothing at or above --fail-on, 9 warnings, 8 critical (docs/doctor.md).
            """,
            """
            pitcrew doctor
            pitcrew doctor node worker-2
            pitcrew doctor pods -n shop -o markdown
            pitcrew doctor etcd --endpoints=https://10.0.0.10:2379 --cacert ca.crt --cert client.crt --key client.key
            pitcrew doctor -o json > before.json; pitcrew doctor --baseline before.json
            pitcrew doctor -o sarif --fail-on critical > doctor.sarif
            pitcrew doctor etcd --endpoints=https://10.0.0.10:2379 --store s3://backups/etcd --max-backup-age 2h
            """);
        foreach (var option in (Option[])[Namespace, AllNamespaces, Kubeconfig, Context, FailOn, BaselineFile, PkiDir, EtcdQuota, ProbeTimeout, Store, S3Endpoint, MaxBackupAge, .. EtcdConnectionFlags.All])
        {
            doctor.Add(option);
        }

        doctor.Outputs(Formats);
        doctor.SetAction((parse, ct) => RunAsync(context, parse, DoctorScope.Cluster, ct));
        doctor.Add(Scope(context, "cluster", "Everything below", DoctorScope.Cluster));
        doctor.Add(Scope(context, "nodes", "Node conditions, lease, cordon, taints, usage, version skew, kubelet reachability", DoctorScope.Nodes));
        var node = Scope(context, "node", "One node, with the problems of its pods", DoctorScope.Node);
        node.Add(NodeName);
        doctor.Add(node);
        doctor.Add(Scope(context, "pods", "Pending pods explained per node, crash loops, image pulls, OOMKilled, evicted pods, warning events", DoctorScope.Pods));
        doctor.Add(Scope(context, "certs", "Certificate expiry: API server, kubelets, etcd members, kubeadm's table", DoctorScope.Certs));
        doctor.Add(Scope(context, "etcd", "etcd members: health, leader, alarms, DB size against the quota, fragmentation; backup freshness with --store", DoctorScope.Etcd));
        return doctor;
    }

    private static Command Scope(CliContext context, string name, string summary, DoctorScope scope)
    {
        var command = new Command(name, summary).Outputs(Formats);
        command.SetAction((parse, ct) => RunAsync(context, parse, scope, ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, DoctorScope scope, CancellationToken cancellationToken)
    {
        var options = Bind(parse, context, scope);
        using var store = OpenStore(parse, context);
        if (store is not null)
        {
            options = options with
            {
                Backups = (store.Location, async ct => [.. (await Backups.BackupCatalog.ListAsync(store, ct).ConfigureAwait(false)).Select(e => e.Manifest)]),
            };
        }

        var previous = parse.GetValue(BaselineFile) is { } file ? (file, Doctor.Baseline.Read(file)) : default;
        var access = new KubeAccessOptions(parse.GetValue(Kubeconfig), parse.GetValue(Context));
        var api = scope != DoctorScope.Etcd ? new KubeDoctorApi(KubeAccess.Connect(access, context.Environment))
            : options.Etcd is null ? EtcdPodsOnly(access, context) : null;
        var traceGate = new Lock();
        Action<string>? trace = parse.GetValue(GlobalOptions.Verbose) ? line => { lock (traceGate) { context.Err.Profile.Out.Writer.WriteLine(line); } } : null;
        var report = await new DoctorRunner(api ?? (IDoctorApi)NoCluster.Instance, context.Time, trace).RunAsync(options, cancellationToken).ConfigureAwait(false);
        if (previous.file is not null)
        {
            report = report with { Baseline = Doctor.Baseline.Compare(previous.file, previous.Item2, report.Findings) };
        }

        Write(context, OutputFlag.Get(parse), report);
        return DoctorExitCodes.For(report.Worst, parse.GetValue(FailOn));
    }

    /// <summary>Renders the report in the chosen format on stdout.</summary>
    private static void Write(CliContext context, OutputFormat format, DoctorReport report)
    {
        var text = format switch
        {
            OutputFormat.Json => StructuredOutput.Json(report) + context.RawOut.NewLine,
            OutputFormat.Yaml => StructuredOutput.ToYaml(report),
            OutputFormat.Markdown => MarkdownReport.Render(report),
            OutputFormat.Html => HtmlReport.Render(report),
            OutputFormat.Sarif => SarifReport.Render(report) + context.RawOut.NewLine,
            _ => null,
        };
        if (text is null)
        {
            TableReport.Render(context.Out, report);
        }
        else
        {
            context.RawOut.Write(text);
        }
    }

    private static Backups.Stores.IBackupStore? OpenStore(ParseResult parse, CliContext context)
    {
        if ((parse.GetValue(Store) ?? context.Environment("PITCREW_BACKUP_STORE")) is not { } url)
        {
            return null;
        }

        var endpoint = parse.GetValue(S3Endpoint) ?? context.Environment("AWS_ENDPOINT_URL_S3") ?? context.Environment("AWS_ENDPOINT_URL");
        return Backups.Stores.BackupStores.Open(new Backups.Stores.StoreOptions(Backups.Stores.BackupStoreUrl.Parse(url), endpoint, context.Environment), context.Time);
    }

    private static DoctorOptions Bind(ParseResult parse, CliContext context, DoctorScope scope)
    {
        var ns = parse.GetValue(AllNamespaces) ? null : parse.GetValue(Namespace);
        var etcdGiven = parse.GetValue(EtcdConnectionFlags.Endpoints) is not null || context.Environment("ETCDCTL_ENDPOINTS") is not null;
        TimeSpan? timeout = parse.GetValue(ProbeTimeout) is { } text
            ? GoDuration.TryParse(text, out var d) && d > TimeSpan.Zero ? d : throw new PitcrewException($"--probe-timeout \"{text}\": want a duration such as 2s", ExitCodes.Usage)
            : null;
        return new DoctorOptions(
            scope,
            scope == DoctorScope.Node ? parse.GetValue(NodeName) : null,
            ns,
            etcdGiven ? EtcdConnectionFlags.Bind(parse, context.Environment) : null,
            parse.GetValue(EtcdQuota) ?? Thresholds.EtcdDefaultQuota,
            parse.GetValue(PkiDir),
            timeout)
        {
            MaxBackupAge = BackupAge(parse.GetValue(MaxBackupAge)),
        };
    }

    private static TimeSpan BackupAge(string? text)
    {
        if (text is null)
        {
            return Thresholds.BackupMaxAge;
        }

        return GoDuration.TryParse(text, out var age) && age > TimeSpan.Zero
            ? age
            : throw new PitcrewException($"--max-backup-age \"{text}\": want a duration such as 25h", ExitCodes.Usage);
    }

    /// <summary>
    /// doctor etcd without etcd flags finds the members through the cluster's etcd pods when a kubeconfig is at hand; without
    /// one the runner notes how to give --endpoints.
    /// </summary>
    private static KubeDoctorApi? EtcdPodsOnly(KubeAccessOptions access, CliContext context)
    {
        try
        {
            return new KubeDoctorApi(KubeAccess.Connect(access, context.Environment));
        }
        catch (PitcrewException)
        {
            return null;
        }
    }

    /// <summary>The etcd scope needs no Kubernetes API: nothing is gathered from it.</summary>
    private sealed class NoCluster : IDoctorApi, IDoctorApi.Offline
    {
        public static readonly NoCluster Instance = new();

        public (string Host, int Port)? ServerEndpoint => null;

        public Task<IReadOnlyList<NodeFacts>> ListNodesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<NodeFacts>>([]);

        public Task<IReadOnlyDictionary<string, DateTimeOffset?>> ListNodeLeasesAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, DateTimeOffset?>>(new Dictionary<string, DateTimeOffset?>());

        public Task<IReadOnlyList<PodFacts>> ListPodsAsync(string? ns, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<PodFacts>>([]);

        public Task<IReadOnlyList<EventFacts>> ListWarningEventsAsync(string? ns, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<EventFacts>>([]);

        public Task<IReadOnlyList<NodeUsage>?> NodeUsageAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<NodeUsage>?>(null);

        public Task<string?> ServerVersionAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public Task<IReadOnlyList<Upgrade.EtcdPod>> ListEtcdPodsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Upgrade.EtcdPod>>([]);
    }
}
