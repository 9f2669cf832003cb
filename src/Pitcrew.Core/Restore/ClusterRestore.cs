using k8s;
using Pitcrew.Backups;
using Pitcrew.Backups.Crypto;
using Pitcrew.Backups.Stores;
using Pitcrew.Cluster;
using Pitcrew.Executors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Restore;

/// <summary>What a restore reaches outside itself, and how it talks to whoever runs it (the command line, a test).</summary>
/// <param name="Environment">Variables, for the kubeconfig as kubectl finds it.</param>
/// <param name="OpenStore">Opens the backup store (only for --from-backup).</param>
/// <param name="LoadKey">The key for an encrypted backup, or null (only for --from-backup).</param>
/// <param name="CreateExecutor">The node executor, made once the run is confirmed and locked.</param>
/// <param name="ShowPlan">Shows the checked plan (before any question).</param>
/// <param name="Confirm">Asks before touching the nodes; false stops the run (not asked with --yes).</param>
/// <param name="Log">Progress lines (stderr).</param>
internal sealed record ClusterRestoreServices(
    TimeProvider Time,
    Func<string, string?> Environment,
    Func<IBackupStore> OpenStore,
    Func<BackupKey?> LoadKey,
    Func<KubernetesClientConfiguration?, INodeExecutor> CreateExecutor,
    Action<ClusterRestorePlan> ShowPlan,
    Func<bool> Confirm,
    Action<string> Log);

/// <summary>How a restore ended: the plan, the run's report when it ran, the exit code, and a closing note when it stopped early.</summary>
internal sealed record ClusterRestoreOutcome(ClusterRestorePlan Plan, ClusterRestoreReport? Report, int ExitCode, string? Note);

/// <summary>
/// The cluster restore as one call: decide how to start from the journal, get the snapshot (fetching a backup),
/// find the members, plan and check, stop at --plan-only or an unconfirmed run, take the cluster lock, run the steps.
/// </summary>
internal static class ClusterRestore
{
    public const string NotConfirmed = "not confirmed; nothing was touched (pass --yes to skip the question)";

    public static async Task<ClusterRestoreOutcome> RunAsync(ClusterRestoreRequest request, ClusterRestoreServices services, CancellationToken cancellationToken)
    {
        var found = request.ReadsJournal ? await ClusterRestoreJournal.LoadAsync(request.StateDir, cancellationToken).ConfigureAwait(false) : null;
        var start = ClusterRestoreStart.Decide(request, found);
        if (start.Kind == ClusterRestoreStartKind.Refuse)
        {
            throw new PitcrewException(start.Message, start.ExitCode);
        }

        var journal = start.Journal;
        var snapshot = start.Snapshot ?? await FetchAsync(request, services, start.Backup!, cancellationToken).ConfigureAwait(false);
        var kube = request.Cluster is { } cluster ? KubeAccess.Configuration(cluster, services.Environment) : null;
        var members = await ClusterRestoreDiscovery.HostedAsync(request.InitialCluster, request.Etcd, kube, journal, cancellationToken).ConfigureAwait(false);
        var facts = await FactsAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var sha256 = await SnapshotHashes.OfFileAsync(snapshot, cancellationToken).ConfigureAwait(false);
        var stamp = journal?.Stamp ?? ClusterRestoreProcedure.StampOf(services.Time.GetUtcNow());
        var plan = ClusterRestoreProcedure.Plan(new ClusterRestoreInputs(snapshot, request.NodeSnapshot ?? ClusterRestoreProcedure.UploadPath(snapshot), facts,
            [.. members.Hosted.OrderBy(m => m.Node, StringComparer.Ordinal)],
            request.Token ?? ClusterRestoreProcedure.TokenOf(stamp), request.Bump, request.DataDir, request.ManifestDir, stamp,
            Upload: request.NodeSnapshot is null, Sha256: sha256, Tool: request.Tool));
        plan = plan with { Problems = [.. members.Problems, .. plan.Problems] };
        services.ShowPlan(plan);
        if (!plan.Ok || request.PlanOnly)
        {
            return new(plan, null, plan.Ok ? ExitCodes.Ok : ExitCodes.Blocked, null);
        }

        if (!request.Yes && !services.Confirm())
        {
            return new(plan, null, ExitCodes.Blocked, NotConfirmed);
        }

        await using var clusterLock = await LockAsync(kube, LockHolder.Here("restore", stamp), $"restore of etcd from {Path.GetFileName(snapshot)}", services.Time, services.Log,
            cancellationToken).ConfigureAwait(false);
        await using var executor = services.CreateExecutor(kube);
        var runner = new ClusterRestoreRunner(executor, request.Etcd, request.StateDir, services.Time, services.Log);
        var report = await runner.RunAsync(plan, snapshot, journal ?? ClusterRestoreJournal.Start(snapshot, stamp, plan.Members), cancellationToken).ConfigureAwait(false);
        return new(plan, report, report.Ok ? ExitCodes.Ok : ExitCodes.Failed, null);
    }

    /// <summary>The backup fetched and verified into the state dir.</summary>
    private static async Task<string> FetchAsync(ClusterRestoreRequest request, ClusterRestoreServices services, string backup, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(request.StateDir);
        using var store = services.OpenStore();
        var target = Path.Combine(Path.GetFullPath(request.StateDir), $"restore-{ClusterRestoreProcedure.StampOf(services.Time.GetUtcNow())}.db");
        if (request.PointRevision is not null || request.PointAt is not null)
        {
            var ranges = await Backups.Changes.PointInTime.CoverageAsync(store, cancellationToken).ConfigureAwait(false);
            var (range, revision) = request.PointRevision is { } n
                ? (Backups.Changes.PointInTime.Choose(ranges, backup, n, store.Location), n)
                : await Backups.Changes.PointInTime.ResolveTimeAsync(store, ranges, backup, request.PointAt!.Value, services.LoadKey(), cancellationToken).ConfigureAwait(false);
            var point = await Backups.Changes.PointInTime.BuildAsync(store, range, revision, services.LoadKey(), target, request.StateDir, services.Time, cancellationToken)
                .ConfigureAwait(false);
            services.Log($"rebuilt revision {point.Revision} from backup {point.Base} and {point.Replayed} streamed change(s) in {store.Location} into {target}");
            return target;
        }

        var fetched = await BackupReader.FetchAsync(store, backup, services.LoadKey(), target, services.Time, cancellationToken).ConfigureAwait(false);
        services.Log($"fetched and verified backup {fetched.Manifest.Name} from {store.Location} into {target}");
        return target;
    }

    /// <summary>
    /// Takes the cluster lock (the Lease upgrade apply takes) so a restore or a member replace never runs beside an upgrade
    /// or another of them; when the API server is down (etcd stopped mid-restore) there is nothing to lock against and the run goes on.
    /// </summary>
    internal static async Task<MaintenanceLock?> LockAsync(KubernetesClientConfiguration? kube, LockHolder holder, string description, TimeProvider time, Action<string> log,
        CancellationToken cancellationToken)
    {
        if (kube is null)
        {
            return null;
        }

        try
        {
            return await MaintenanceLock.AcquireAsync(KubeAccess.Connect(kube), holder, description, TimeSpan.FromMinutes(5), takeOver: false, time, log, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException { Response.StatusCode: >= System.Net.HttpStatusCode.InternalServerError })
        {
            log($"cluster lock not taken: the API server does not answer ({e.Message}); going on");
            return null;
        }
    }

    private static async Task<SnapshotFacts> FactsAsync(string snapshot, CancellationToken cancellationToken)
    {
        try
        {
            var status = await Snapshots.SnapshotReader.VerifyAsync(snapshot, false, cancellationToken).ConfigureAwait(false);
            return new SnapshotFacts(status.Revision, status.RegistryKeys.Count > 0, null);
        }
        catch (Snapshots.SnapshotFormatException e)
        {
            return new SnapshotFacts(0, false, e.Message);
        }
    }
}
