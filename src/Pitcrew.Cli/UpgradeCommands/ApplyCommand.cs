using System.CommandLine;
using System.Globalization;
using Pitcrew.Backups;
using Pitcrew.Cli.BackupCommands;
using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cli.Output;
using Pitcrew.Cluster;
using Pitcrew.Errors;
using Pitcrew.Nodes;
using Pitcrew.Upgrade;
using Pitcrew.Upgrade.Apply;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;
using Spectre.Console;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>pitcrew upgrade apply: the whole kubeadm upgrade, node by node, locked, journaled, gated.</summary>
internal static class ApplyCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("apply")
        {
            PlanCommand.To, PlanCommand.Releases, PlanCommand.RunbookOption, PlanCommand.Force, PlanCommand.ViaLatestPatch, NodeFlags.Kubeconfig, NodeFlags.Context,
            ExecutorFlags.Executor, ExecutorFlags.Inventory, ExecutorFlags.KnownHosts, ExecutorFlags.SshAcceptNew,
            BackupStoreFlags.Store, BackupStoreFlags.S3Endpoint, BackupStoreFlags.KeyFile,
        }.Describe(
            "Upgrade the cluster: preflight, a pre-upgrade backup, the control planes one at a time, canaries, a bake, then workers in batches",
            """
            Takes the cluster lock (Lease kube-system/pitcrew-maintenance), runs preflight (no-go stops here), takes an
            etcd backup tagged pre-upgrade into --store (kept forever by retention) from the etcd that etcd's flags name or,
            without them, that the kubeadm etcd pods advertise (with kubeadm's client certificates), then for each minor
            of the path (straight to the next minor; --via-latest-patch goes to the current minor's latest patch first):
            the control-plane components of the first control plane (kubeadm upgrade apply) and of the others, one at
            a time (kubeadm upgrade node; etcd keeps its quorum), then their kubelets one at a time (no kubelet is ever
            newer than a kube-apiserver), the canary workers, a bake watching them, then the other workers in batches of
            --batch-size, never more than --max-unavailable-per-zone of a zone at once. Each node follows the runbook
            (drain, packages from the minor's pkgs.k8s.io repository, kubelet restart, uncordon) and must pass health
            gates before the next starts: Ready with the target kubelet, static pods at the target, workloads and
            budgets as healthy as before, no new CrashLoopBackOff, the skew policy holding. Every step is journaled
            (state dir and ConfigMap kube-system/pitcrew-upgrade-journal); after a failure or crash fix the cause and
            add --resume. On failure the node stays cordoned and the way back is printed (with --revisit-blocked a
            worker whose drain is blocked first goes back into service and is tried again after the other workers).
            Reports (JSON, Markdown, HTML, with a timeline per node) go to --report-dir. Exit codes: 0 upgraded,
            3 blocked (plan, preflight, lock, window, unfinished journal, not confirmed), 4 stopped part way (resume),
            5 cluster unreachable.
            """,
            """
            pitcrew upgrade apply --to v1.31 --executor ssh --inventory nodes.yaml --store s3://backups/etcd \
              --endpoints https://10.0.0.11:2379 --cacert ca.crt --cert client.crt --key client.key
            pitcrew upgrade apply --to v1.31.14 --batch-size 5 --canary 2 --bake 15m --max-unavailable-per-zone 1 \
              --window "Sat 01:00-05:00 Asia/Seoul" --executor ssh --store file:///var/backups/etcd --yes
            pitcrew upgrade apply --resume --executor ssh --store file:///var/backups/etcd
            """);
        foreach (var option in ApplyFlags.All.Concat(EtcdConnectionFlags.All))
        {
            command.Add(option);
        }

        command.Outputs(OutputFlag.Structured);
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var progress = new ApplyProgress(context, parse.GetValue(GlobalOptions.Verbose));
        var stateDir = Path.GetFullPath(parse.GetValue(ApplyFlags.StateDir) ?? ExecutorFlags.DefaultStateDir(context));
        var window = parse.GetValue(ApplyFlags.Window) is { } windowText ? MaintenanceWindow.Parse(windowText) : null;
        var runbookName = parse.GetValue(PlanCommand.RunbookOption)!;
        var runbook = RunbookLoader.Resolve(runbookName);
        var runbookGroups = RunbookGroups(parse);
        var resume = parse.GetValue(ApplyFlags.Resume);
        if (parse.GetValue(BackupStoreFlags.Store) is null && context.Environment("PITCREW_BACKUP_STORE") is null
            && !parse.GetValue(ApplyFlags.NoBackup) && !parse.GetValue(ApplyFlags.PlanOnly))
        {
            throw new PitcrewException("give --store URL for the pre-upgrade etcd backup (with etcd's --endpoints and certificates), or --no-backup to upgrade without a way back", ExitCodes.Usage);
        }

        if (parse.GetValue(ApplyFlags.BatchSize) < 1 || parse.GetValue(ApplyFlags.Canary) < 0 || parse.GetValue(ApplyFlags.MaxPerZone) < 0)
        {
            throw new PitcrewException("--batch-size must be at least 1, --canary and --max-unavailable-per-zone at least 0", ExitCodes.Usage);
        }

        var kube = KubeAccess.Configuration(new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment);
        using var connection = KubeHttp.Connect(kube);
        var client = connection.Client;
        var mirror = new JournalMirror(client, progress.Line);
        var journal = await UpgradeJournal.LoadAsync(stateDir, cancellationToken).ConfigureAwait(false) ?? await mirror.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (resume && journal is null)
        {
            throw new PitcrewException($"--resume: no upgrade journal in {stateDir} nor in configmap kube-system/{UpgradeJournal.ConfigMapName}", ExitCodes.Usage);
        }

        if (resume && journal!.Finished)
        {
            throw new PitcrewException($"--resume: the upgrade {journal.RunId} to {journal.Target} finished; nothing to resume", ExitCodes.Usage);
        }

        if (!resume && journal is { Finished: false } untouched && !parse.GetValue(ApplyFlags.PlanOnly) && untouched.Entries.All(e => e.Node is null))
        {
            // It stopped before any node (its backup failed, or it was interrupted first): nothing to resume, start over.
            var kept = Path.Combine(stateDir, $"{UpgradeJournal.FileName}.{untouched.RunId}");
            if (File.Exists(Path.Combine(stateDir, UpgradeJournal.FileName)))
            {
                File.Move(Path.Combine(stateDir, UpgradeJournal.FileName), kept, overwrite: true);
            }

            var last = untouched.Entries.Count > 0 ? untouched.Entries[^1] : null;
            progress.Line($"the unfinished upgrade {untouched.RunId} touched no node{(last is null ? string.Empty : $" (its last step: {last.Step} {last.State.ToString().ToLowerInvariant()})")}; " +
                $"starting over{(File.Exists(kept) ? $" (its journal kept as {kept})" : string.Empty)}");
            journal = null;
        }

        if (!resume && journal is { Finished: false } unfinished && !parse.GetValue(ApplyFlags.PlanOnly))
        {
            throw new PitcrewException(
                $"an unfinished upgrade {unfinished.RunId} to {unfinished.Target} is journaled ({unfinished.Entries.Count(e => e.State == StepState.Done)} steps done); " +
                $"add --resume to go on, or move {Path.Combine(stateDir, UpgradeJournal.FileName)} and the configmap kube-system/{UpgradeJournal.ConfigMapName} aside to start over",
                ExitCodes.Blocked);
        }

        var kubectl = await KubectlProbe.ClientVersionAsync(context.Time, cancellationToken).ConfigureAwait(false);
        var api = new KubeUpgradeApi(client, kubectl, connection.Http);
        var versions = await api.ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
        var etcd = await ClusterEtcdFlags.ResolveAsync(parse, context, api, cancellationToken).ConfigureAwait(false);
        var releases = parse.GetValue(PlanCommand.Releases) is { } file ? ReleaseTable.Load(file) : ReleaseTable.Default;
        IReadOnlyList<KubeVersion> path;
        if (resume)
        {
            if (parse.GetValue(PlanCommand.To) is { } to && UpgradePlanner.ResolveTarget(to, releases, KubeVersion.Parse(journal!.From)).Text != journal.Target)
            {
                throw new PitcrewException($"--resume: the journal upgrades to {journal.Target}, not {to}", ExitCodes.Usage);
            }

            path = [.. journal!.Path.Select(KubeVersion.Parse)];
            progress.Line($"resuming upgrade {journal.RunId}: {journal.From} -> {journal.Target} ({journal.Entries.Count(e => e.State == StepState.Done)} steps done)");
        }
        else
        {
            var today = DateOnly.FromDateTime(context.Time.GetUtcNow().UtcDateTime);
            var plan = UpgradePlanner.Plan(versions, releases, runbook, PlanCommand.Request(parse), today);
            if (plan.UpToDate)
            {
                await context.RawOut.WriteLineAsync($"the cluster is at {plan.Current}, already at the target {plan.Target}; nothing to do");
                return ExitCodes.Ok;
            }

            if (!plan.CanProceed(parse.GetValue(PlanCommand.Force)))
            {
                foreach (var line in UpgradePlanRenderer.Lines(plan, parse.GetValue(PlanCommand.Force), verbose: false))
                {
                    Say(context, line);
                }

                Say(context, "blocked by the version rules above: nothing was changed");
                return ExitCodes.Blocked;
            }

            var health = await api.ReadHealthAsync(cancellationToken).ConfigureAwait(false);
            var drain = await DrainReadiness.ForecastAsync(new KubeNodeApi(client), context.Time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            // etcd alarms and DB size, certificates valid past the window; no backup freshness: the run takes its own
            // pre-upgrade backup next, from the same etcd, so the backup line passes only when that etcd answers.
            var now = context.Time.GetUtcNow();
            var certificatesUntil = window?.OpenUntil(now) is { } closes ? new UpgradeWindow(closes, closes - now) : UpgradeWindow.Default;
            var safety = await SafetyGathering.ReadAsync(new Pitcrew.Doctor.KubeDoctorApi(client),
                new SafetyRequest(etcd.Options, null, certificatesUntil) { EtcdSource = etcd }, context.Time, cancellationToken).ConfigureAwait(false);
            var preflight = PreflightChecker.Check(plan, health, drain, RemovedApis.Default, parse.GetValue(PlanCommand.Force), safety);
            preflight = preflight with { Checks = [.. preflight.Checks.Select(c => c.Name == SafetyChecks.BackupName ? BackupLine(parse, context, safety) : c)] };
            foreach (var line in PreflightCommand.Lines(preflight, TextTable.WidthFor(context.Err)))
            {
                Say(context, line);
            }

            if (preflight.Verdict == PreflightVerdict.Fail)
            {
                Say(context, "preflight says no-go: nothing was changed");
                return ExitCodes.Blocked;
            }

            path = [.. plan.Steps.Select(s => KubeVersion.Parse(s.To))];
            journal = new UpgradeJournal(NewRunId(context), plan.Current, plan.Target, [.. path.Select(p => p.Text)], Describe(parse), null, false, context.Time.GetUtcNow(), []);
        }

        var nodeApi = new KubeNodeApi(client);
        var nodes = await nodeApi.ListNodesAsync(null, DrainOptions.DefaultChunkSize, cancellationToken).ConfigureAwait(false);
        journal = journal! with { CordonedBefore = journal.CordonedBefore ?? [.. nodes.Where(n => n.Unschedulable).Select(n => n.Name)] };
        var stages = UpgradeScheduler.Build(path, [.. nodes.Select(n => new ScheduleNode(n.Name, versions.Nodes.FirstOrDefault(v => v.Name == n.Name)?.ControlPlane == true,
                n.Zone, n.Labels.ContainsKey(UpgradeScheduler.CanaryLabel)))],
            new ScheduleOptions(parse.GetValue(ApplyFlags.BatchSize), parse.GetValue(ApplyFlags.Canary), parse.GetValue(ApplyFlags.MaxPerZone)));
        var nodeRunbooks = NodeRunbooks(runbookGroups, nodes);
        PrintStages(context, journal!, stages);
        foreach (var group in nodeRunbooks.GroupBy(p => p.Value.Source, StringComparer.Ordinal))
        {
            Say(context, $"  runbook {group.First().Value.Name} ({group.Key}) for {string.Join(", ", group.Select(p => p.Key).Order(StringComparer.Ordinal))}; {runbook.Name} for the others");
        }

        if (parse.GetValue(ApplyFlags.PlanOnly))
        {
            return ExitCodes.Ok;
        }

        if (window is not null && window.OpenUntil(context.Time.GetUtcNow()) is null)
        {
            Say(context, string.Create(CultureInfo.InvariantCulture,
                $"outside the maintenance window \"{window}\": it next opens {window.NextOpening(context.Time.GetUtcNow()):yyyy-MM-dd HH:mm} UTC; nothing was changed"));
            return ExitCodes.Blocked;
        }

        if (!parse.GetValue(ApplyFlags.Yes) && !Confirm(context, journal!))
        {
            Say(context, "not confirmed; nothing was changed (pass --yes to skip the question)");
            return ExitCodes.Blocked;
        }

        var description = $"upgrade {journal!.From} -> {journal.Target}";
        await using var clusterLock = await MaintenanceLock.AcquireAsync(client, LockHolder.Here("upgrade", journal.RunId), description, MaintenanceLock.DefaultTtl,
            parse.GetValue(ApplyFlags.TakeOverLock), context.Time, progress.Line, cancellationToken).ConfigureAwait(false);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, clusterLock.Lost);
        async Task SaveAsync(UpgradeJournal current, CancellationToken token)
        {
            await current.SaveAsync(stateDir, token).ConfigureAwait(false);
            mirror.Offer(current);
        }

        journal = await BackupAsync(context, parse, etcd, journal, progress, SaveAsync, run.Token).ConfigureAwait(false);
        await using var executor = ExecutorFlags.Create(context, parse, kube);
        var options = new ApplyOptions(runbook, parse.GetValue(ApplyFlags.Bake), window, parse.GetValue(ApplyFlags.GateTimeout),
            new DrainOptions { IgnoreDaemonSets = true, DeleteEmptyDirData = true, Timeout = parse.GetValue(ApplyFlags.DrainTimeout) },
            new HashSet<string>(parse.GetValue(ApplyFlags.Redo) ?? [], StringComparer.Ordinal))
        {
            NodeRunbooks = nodeRunbooks,
            RevisitBlocked = parse.GetValue(ApplyFlags.RevisitBlocked),
        };
        // A live table of nodes on a terminal; the plain lines otherwise (and with -v, which shows the nodes' output).
        var live = context.ErrIsTerminal && !parse.GetValue(GlobalOptions.Verbose)
            ? new ApplyLiveView([.. stages.SelectMany(s => s.Nodes).Distinct(StringComparer.Ordinal)], context.Time)
            : null;
        using var runner = new UpgradeRunner(executor, nodeApi, api, context.Time, live ?? (IUpgradeProgress)progress, SaveAsync);
        ApplyOutcome outcome = null!;
        try
        {
            if (live is null)
            {
                outcome = await runner.RunAsync(stages, journal, options, run.Token).ConfigureAwait(false);
            }
            else
            {
                await context.Err.Live(live.Render()).StartAsync(async display =>
                {
                    live.Attach(display);
                    outcome = await runner.RunAsync(stages, journal, options, run.Token).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (clusterLock.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PitcrewException("another run took the cluster lock; stopped (the journal holds what was done)", ExitCodes.Blocked);
        }
        finally
        {
            await mirror.FlushAsync().ConfigureAwait(false);
        }

        return await FinishAsync(context, parse, api, stages, outcome, stateDir, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The --runbook-for groups: a label selector and its runbook, checked before anything is read.</summary>
    private static List<(Func<IReadOnlyDictionary<string, string>, bool> Matches, Runbook Runbook)> RunbookGroups(ParseResult parse)
    {
        var groups = new List<(Func<IReadOnlyDictionary<string, string>, bool> Matches, Runbook Runbook)>();
        foreach (var text in parse.GetValue(ApplyFlags.RunbookFor) ?? [])
        {
            var split = text.LastIndexOf('=');
            if (split <= 0 || split == text.Length - 1)
            {
                throw new PitcrewException($"--runbook-for \"{text}\": want LABEL-SELECTOR=RUNBOOK, e.g. os-family=rhel=dnf", ExitCodes.Usage);
            }

            var name = text[(split + 1)..];
            var groupRunbook = RunbookLoader.Resolve(name);
            groups.Add((LabelSelectorText.Parse(text[..split]), groupRunbook));
        }

        return groups;
    }

    /// <summary>The nodes of each --runbook-for group and their runbook (first matching selector wins).</summary>
    private static Dictionary<string, Runbook> NodeRunbooks(List<(Func<IReadOnlyDictionary<string, string>, bool> Matches, Runbook Runbook)> groups, IReadOnlyList<NodeFacts> nodes)
    {
        var chosen = new Dictionary<string, Runbook>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            if (groups.FirstOrDefault(g => g.Matches(node.Labels)) is { Runbook: { } match })
            {
                chosen[node.Name] = match;
            }
        }

        return chosen;
    }

    private static async Task<UpgradeJournal> BackupAsync(CliContext context, ParseResult parse, ClusterEtcdSource etcd, UpgradeJournal journal, ApplyProgress progress,
        Func<UpgradeJournal, CancellationToken, Task> save, CancellationToken cancellationToken)
    {
        const string step = "backup";
        if (journal.IsDone(step))
        {
            return journal;
        }

        if (parse.GetValue(ApplyFlags.NoBackup))
        {
            journal = journal.With(new JournalEntry(step, null, StepState.Done, context.Time.GetUtcNow(), 0, "skipped: --no-backup"));
            progress.Line("backup skipped (--no-backup): there is no pre-upgrade snapshot to go back to");
            await save(journal, cancellationToken).ConfigureAwait(false);
            return journal;
        }

        journal = journal.With(new JournalEntry(step, null, StepState.Started, context.Time.GetUtcNow()));
        await save(journal, cancellationToken).ConfigureAwait(false);
        using var store = BackupStoreFlags.Open(parse, context);
        progress.Line($"start backup: etcd snapshot tagged {Pitcrew.Backups.Retention.RetentionPolicy.PreUpgradeTag} from etcd at {etcd.Endpoints} ({etcd.Origin}) into {store.Location}");
        BackupCreateResult result;
        try
        {
            var connection = etcd.Options ?? throw new PitcrewException(etcd.Problem ?? "etcd's endpoints are not known", ExitCodes.Usage);
            var options = new BackupCreateOptions(connection, [Pitcrew.Backups.Retention.RetentionPolicy.PreUpgradeTag], BackupCompression.Zstd, BackupStoreFlags.Key(parse), null);
            result = await BackupJobs.CreateAsync(store, options, TimeSpan.FromMinutes(1), null, context.Time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PitcrewException or IOException or UnauthorizedAccessException)
        {
            journal = journal.With(new JournalEntry(step, null, StepState.Failed, context.Time.GetUtcNow(), null, e.Message));
            await save(journal, cancellationToken).ConfigureAwait(false);
            throw new PitcrewException($"the pre-upgrade backup failed, nothing was upgraded: {e.Message}", (e as PitcrewException)?.ExitCode ?? ExitCodes.Failed, e);
        }

        journal = journal.With(new JournalEntry(step, null, StepState.Done, context.Time.GetUtcNow(), result.Took.TotalSeconds, result.Manifest.Name)) with { Backup = result.Manifest.Name };
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"done  backup {result.Manifest.Name} ({result.Manifest.Snapshot.Size / 1048576.0:0.0} MiB, revision {result.Manifest.Snapshot.Revision}) in {store.Location}"));
        await save(journal, cancellationToken).ConfigureAwait(false);
        return journal;
    }

    private static async Task<int> FinishAsync(CliContext context, ParseResult parse, KubeUpgradeApi api, IReadOnlyList<UpgradeStage> stages, ApplyOutcome outcome,
        string stateDir, CancellationToken cancellationToken)
    {
        var facts = await api.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false);
        var journal = outcome.Journal;
        var roles = stages.SelectMany(s => s.Nodes.Select(n => (n, s.Role))).DistinctBy(p => p.n).ToDictionary(p => p.n, p => Runbook.RoleName(p.Role), StringComparer.Ordinal);
        var failure = outcome.Failure is { } f
            ? new FailureReport(f.Node, f.Step, f.Command, f.Reason, f.Output, WayBack(parse, parse.GetValue(BackupStoreFlags.Store) ?? context.Environment("PITCREW_BACKUP_STORE"), journal, f, roles.GetValueOrDefault(f.Node) ?? "worker"))
            : null;
        var result = outcome.End switch
        {
            ApplyEnd.Finished => "upgraded",
            ApplyEnd.WindowClosed => "stopped: the maintenance window closed",
            _ => "failed",
        };
        var report = new UpgradeReport(journal.RunId, journal.From, journal.Target, journal.Path, result, journal.Backup, journal.Started, context.Time.GetUtcNow(), failure,
            [.. journal.Entries.Where(e => e.Node is null)],
            [.. facts.Nodes.OrderBy(n => roles.TryGetValue(n.Name, out var r) && r != "worker" ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal).Select(n => new NodeReport(
                n.Name, roles.GetValueOrDefault(n.Name) ?? "worker", n.Kubelet?.Text, n.Ready, n.Unschedulable, [.. journal.Entries.Where(e => e.Node == n.Name)]))]);
        var written = report.WriteTo(Path.GetFullPath(parse.GetValue(ApplyFlags.ReportDir) ?? stateDir));
        if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), report))
        {
            foreach (var line in ApplySummary.Lines(report, outcome.End, outcome.NextWindow))
            {
                await context.RawOut.WriteLineAsync(line.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }

        Say(context, $"reports: {string.Join(", ", written)}");
        return outcome.End == ApplyEnd.Finished ? ExitCodes.Ok : ExitCodes.Partial;
    }

    private static List<string> WayBack(ParseResult parse, string? store, UpgradeJournal journal, StepFailure failure, string role)
    {
        var lines = new List<string>
        {
            $"node/{failure.Node} is left cordoned; its command output is above.",
            "Fix the cause, then run the same command with --resume: done steps are skipped and the failed one runs again.",
        };
        if (role == "worker")
        {
            lines.Add($"To return node/{failure.Node} to service as it is: pitcrew node uncordon {failure.Node}");
        }
        else if (journal.Backup is { } backup)
        {
            lines.Add($"A control-plane step failed. kubeadm upgrade apply/node can be run again (resume). If the control plane cannot be repaired: reinstall the " +
                $"{journal.From} packages on the control-plane nodes, then restore etcd from the pre-upgrade backup: pitcrew cluster restore --from-backup {backup} " +
                $"--store {store} --executor {parse.GetValue(ExecutorFlags.Executor)} (docs/restore.md)");
        }
        else
        {
            lines.Add("A control-plane step failed and this run took no pre-upgrade backup (--no-backup): repair forward (kubeadm upgrade apply/node can be run again).");
        }

        return lines;
    }

    private static void PrintStages(CliContext context, UpgradeJournal journal, IReadOnlyList<UpgradeStage> stages)
    {
        Say(context, $"upgrade {journal.From} -> {journal.Target} along {string.Join(" -> ", journal.Path)} (run {journal.RunId}), in this order:");
        foreach (var stage in stages)
        {
            var done = stage.Nodes.All(n => journal.IsDone(UpgradeRunner.PartDoneId(stage, n)));
            Say(context, $"  {stage.Describe()}{(done ? "  (done)" : string.Empty)}");
        }
    }

    private static bool Confirm(CliContext context, UpgradeJournal journal)
    {
        if (Console.IsInputRedirected)
        {
            return false;
        }

        context.Err.Profile.Out.Writer.Write($"This upgrades the cluster to {journal.Target}, draining every node in turn. Type yes to go on: ");
        return string.Equals(Console.ReadLine()?.Trim(), "yes", StringComparison.Ordinal);
    }

    private static void Say(CliContext context, string line) => context.Err.Profile.Out.Writer.WriteLine(line);

    /// <summary>
    /// The backup line of apply's preflight: the run takes its own backup, so it passes when the etcd it takes it from
    /// answers, fails when not, and warns when the run goes without one.
    /// </summary>
    private static PreflightCheck BackupLine(ParseResult parse, CliContext context, SafetyFacts safety)
    {
        if (parse.GetValue(ApplyFlags.NoBackup))
        {
            return new(SafetyChecks.BackupName, PreflightVerdict.Warn, "--no-backup: the run takes no pre-upgrade snapshot", "drop --no-backup and give --store URL to have a way back");
        }

        var store = parse.GetValue(BackupStoreFlags.Store) ?? context.Environment("PITCREW_BACKUP_STORE");
        return safety.EtcdAnswer is { Answers: false } down
            ? new(SafetyChecks.BackupName, PreflightVerdict.Fail, $"the run would take a pre-upgrade backup into {store}, but {down.Evidence}",
                $"{SafetyChecks.EtcdRemedy}, or --no-backup to go without a way back")
            : new(SafetyChecks.BackupName, PreflightVerdict.Pass,
                $"the run takes a pre-upgrade backup into {store} before touching any node{(safety.EtcdAnswer is { } up ? $"; {up.Evidence}" : string.Empty)}");
    }

    private static string NewRunId(CliContext context) =>
        context.Time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));

    private static string Describe(ParseResult parse)
    {
        var revisit = parse.GetValue(ApplyFlags.RevisitBlocked) ? " revisit-blocked" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"batch-size={parse.GetValue(ApplyFlags.BatchSize)} canary={parse.GetValue(ApplyFlags.Canary)} bake={parse.GetValue(ApplyFlags.Bake)} " +
            $"max-unavailable-per-zone={parse.GetValue(ApplyFlags.MaxPerZone)} executor={parse.GetValue(ExecutorFlags.Executor)}{revisit}");
    }
}
