using System.Globalization;
using Pitcrew.Cluster;
using Pitcrew.Nodes;
using Pitcrew.Upgrade.Preflight;
using Pitcrew.Upgrade.Releases;
using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>
/// pitcrew upgrade apply as one procedure: the journal decision, the plan and preflight (or the journal's path), the
/// order of nodes, the window and the question, the lock, the pre-upgrade backup, the stages, the report.
/// </summary>
internal static class UpgradeApply
{
    public static async Task<ApplyResult> RunAsync(ApplyRequest request, ApplyPorts ports, IApplyConsole console, CancellationToken cancellationToken)
    {
        if (ApplyDecisions.Problem(request) is { } problem)
        {
            throw new PitcrewException(problem, ExitCodes.Usage);
        }

        var time = ports.Time;
        var progress = console.Progress;
        var kube = ports.Kube();
        using var connection = KubeHttp.Connect(kube);
        var client = connection.Client;
        var mirror = new JournalMirror(client, progress.Line);
        var found = await UpgradeJournal.LoadAsync(request.StateDir, cancellationToken).ConfigureAwait(false) ?? await mirror.LoadAsync(cancellationToken).ConfigureAwait(false);
        var releases = request.ReleasesFile is { } file ? ReleaseTable.Load(file) : ReleaseTable.Default;
        var start = ApplyDecisions.Start(request, found, releases);
        if (start.Kind == ApplyStartKind.Refuse)
        {
            throw new PitcrewException(start.Message, start.ExitCode);
        }

        if (start.Kind == ApplyStartKind.Restart)
        {
            var kept = SetAside(request.StateDir, found!);
            progress.Line($"{start.Reason}; starting over{(File.Exists(kept) ? $" (its journal kept as {kept})" : string.Empty)}");
        }

        var kubectl = await ports.KubectlVersionAsync(cancellationToken).ConfigureAwait(false);
        var api = new KubeUpgradeApi(client, kubectl, connection.Http);
        var versions = await api.ReadVersionsAsync(cancellationToken).ConfigureAwait(false);
        var etcd = await ports.ResolveEtcdAsync(api, cancellationToken).ConfigureAwait(false);
        UpgradeJournal journal;
        IReadOnlyList<KubeVersion> path;
        if (start.Kind == ApplyStartKind.Resume)
        {
            journal = found!;
            path = [.. journal.Path.Select(KubeVersion.Parse)];
            progress.Line(start.Reason);
        }
        else
        {
            var plan = UpgradePlanner.Plan(versions, releases, request.Runbook, request.Plan, DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime));
            if (plan.UpToDate)
            {
                return new ApplyResult(ApplyStop.UpToDate, ExitCodes.Ok, $"the cluster is at {plan.Current}, already at the target {plan.Target}; nothing to do");
            }

            if (!plan.CanProceed(request.Force))
            {
                return ApplyResult.Blocked(ApplyStop.PlanBlocked, "blocked by the version rules above: nothing was changed") with { Plan = plan };
            }

            var preflight = await PreflightAsync(request, plan, api, client, etcd, time, cancellationToken).ConfigureAwait(false);
            console.Preflight(preflight);
            if (preflight.Verdict == PreflightVerdict.Fail)
            {
                return ApplyResult.Blocked(ApplyStop.PreflightNoGo, "preflight says no-go: nothing was changed");
            }

            path = [.. plan.Steps.Select(s => KubeVersion.Parse(s.To))];
            journal = new UpgradeJournal(NewRunId(time), plan.Current, plan.Target, [.. path.Select(p => p.Text)], ApplyDecisions.Describe(request), null, false, time.GetUtcNow(), []);
        }

        var nodeApi = new KubeNodeApi(client);
        var nodes = await nodeApi.ListNodesAsync(null, DrainOptions.DefaultChunkSize, cancellationToken).ConfigureAwait(false);
        journal = journal with { CordonedBefore = journal.CordonedBefore ?? [.. nodes.Where(n => n.Unschedulable).Select(n => n.Name)] };
        var stages = UpgradeScheduler.Build(path, [.. nodes.Select(n => new ScheduleNode(n.Name, versions.Nodes.FirstOrDefault(v => v.Name == n.Name)?.ControlPlane == true,
                n.Zone, n.Labels.ContainsKey(UpgradeScheduler.CanaryLabel)))],
            new ScheduleOptions(request.BatchSize, request.Canary, request.MaxPerZone));
        var nodeRunbooks = NodeRunbooks(request.RunbookGroups, nodes);
        foreach (var line in ApplyReporting.OrderLines(journal, stages, nodeRunbooks, request.Runbook))
        {
            console.Say(line);
        }

        if (request.PlanOnly)
        {
            return new ApplyResult(ApplyStop.PlanOnly, ExitCodes.Ok);
        }

        if (ApplyDecisions.OutsideWindow(request.Window, time.GetUtcNow()) is { } outside)
        {
            return ApplyResult.Blocked(ApplyStop.OutsideWindow, outside);
        }

        if (!request.Yes && !console.Confirm(journal))
        {
            return ApplyResult.Blocked(ApplyStop.NotConfirmed, "not confirmed; nothing was changed (pass --yes to skip the question)");
        }

        await using var clusterLock = await MaintenanceLock.AcquireAsync(client, LockHolder.Here("upgrade", journal.RunId), $"upgrade {journal.From} -> {journal.Target}",
            MaintenanceLock.DefaultTtl, request.TakeOverLock, time, progress.Line, cancellationToken).ConfigureAwait(false);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, clusterLock.Lost);
        async Task SaveAsync(UpgradeJournal current, CancellationToken token)
        {
            await current.SaveAsync(request.StateDir, token).ConfigureAwait(false);
            mirror.Offer(current);
        }

        journal = await PreUpgradeBackup.TakeAsync(request, ports, etcd, journal, progress, SaveAsync, run.Token).ConfigureAwait(false);
        await using var executor = ports.CreateExecutor(kube);
        var options = new ApplyOptions(request.Runbook, request.Bake, request.Window, request.GateTimeout,
            new DrainOptions { IgnoreDaemonSets = true, DeleteEmptyDirData = true, Timeout = request.DrainTimeout }, request.Redo)
        {
            NodeRunbooks = nodeRunbooks,
            RevisitBlocked = request.RevisitBlocked,
        };
        // With the cluster's etcd known, every control plane's gates wait for all its members healthy and caught up.
        IGateApi gateApi = etcd.Options is { } etcdOptions ? new EtcdGateReader(api, new ClusterEtcdMembers(etcdOptions, etcd.Pods)) : api;
        ApplyOutcome outcome;
        try
        {
            outcome = await console.WatchAsync([.. stages.SelectMany(s => s.Nodes).Distinct(StringComparer.Ordinal)], async shown =>
            {
                using var runner = new UpgradeRunner(executor, nodeApi, gateApi, time, shown, SaveAsync);
                return await runner.RunAsync(stages, journal, options, run.Token).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (clusterLock.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PitcrewException("another run took the cluster lock; stopped (the journal holds what was done)", ExitCodes.Blocked);
        }
        finally
        {
            await mirror.FlushAsync().ConfigureAwait(false);
        }

        var facts = await api.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false);
        var report = ApplyReporting.Report(request, stages, outcome, facts, time.GetUtcNow());
        return new ApplyResult(ApplyStop.Ran, outcome.End == ApplyEnd.Finished ? ExitCodes.Ok : ExitCodes.Partial)
        {
            Report = report,
            Written = report.WriteTo(Path.GetFullPath(request.ReportDir ?? request.StateDir)),
            End = outcome.End,
            NextWindow = outcome.NextWindow,
        };
    }

    /// <summary>
    /// Preflight as apply runs it: etcd alarms and DB size, certificates valid past the window; no backup freshness: the
    /// run takes its own pre-upgrade backup next, from the same etcd, so the backup line passes only when that etcd answers.
    /// </summary>
    private static async Task<PreflightReport> PreflightAsync(ApplyRequest request, UpgradePlan plan, KubeUpgradeApi api, k8s.Kubernetes client, ClusterEtcdSource etcd,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var health = await api.ReadHealthAsync(cancellationToken).ConfigureAwait(false);
        var drain = await DrainReadiness.ForecastAsync(new KubeNodeApi(client), time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var certificatesUntil = request.Window?.OpenUntil(now) is { } closes ? new UpgradeWindow(closes, closes - now) : UpgradeWindow.Default;
        var safety = await SafetyGathering.ReadAsync(new Pitcrew.Doctor.KubeDoctorApi(client),
            new SafetyRequest(etcd.Options, null, certificatesUntil) { EtcdSource = etcd }, time, cancellationToken).ConfigureAwait(false);
        var preflight = PreflightChecker.Check(plan, health, drain, RemovedApis.Default, request.Force, safety);
        return preflight with { Checks = [.. preflight.Checks.Select(c => c.Name == SafetyChecks.BackupName ? ApplyDecisions.BackupCheck(request, safety) : c)] };
    }

    /// <summary>Moves the state dir's journal of a run that touched no node aside; returns where it would go.</summary>
    private static string SetAside(string stateDir, UpgradeJournal untouched)
    {
        var kept = Path.Combine(stateDir, $"{UpgradeJournal.FileName}.{untouched.RunId}");
        if (File.Exists(Path.Combine(stateDir, UpgradeJournal.FileName)))
        {
            File.Move(Path.Combine(stateDir, UpgradeJournal.FileName), kept, overwrite: true);
        }

        return kept;
    }

    /// <summary>The nodes of each --runbook-for group and their runbook (first matching selector wins).</summary>
    private static Dictionary<string, Runbook> NodeRunbooks(IReadOnlyList<RunbookGroup> groups, IReadOnlyList<NodeFacts> nodes)
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

    private static string NewRunId(TimeProvider time) =>
        time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
}
