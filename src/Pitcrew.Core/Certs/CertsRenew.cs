using k8s;
using Pitcrew.Executors;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Certs;

/// <summary>What `certs renew` is asked: certificates (all or names), the nodes selected, dirs on the nodes, the run's switches.</summary>
/// <param name="UpdateAdminConf">The user's kubeconfig to overwrite with the renewed admin.conf; null leaves it alone.</param>
internal sealed record CertsRenewRequest(
    IReadOnlyList<string> Names, IReadOnlyList<CertsNode> Nodes, string PkiDirectory, string ManifestDirectory, string StateDir,
    bool DryRun, bool Yes, bool Resume, string? UpdateAdminConf);

/// <summary>What a renewal reaches outside itself, and how it talks to whoever runs it.</summary>
/// <param name="Confirm">Asks before touching the nodes; false stops the run (not asked with --yes).</param>
internal sealed record CertsRenewServices(TimeProvider Time, INodeExecutor Executor, IKubernetes Client, string ApiHost, int ApiPort,
    Action<CertsRenewPlan> ShowPlan, Func<bool> Confirm, Action<string> Log);

/// <summary>How a renewal ended: the plan, the run's report when it ran, the exit code, a closing note when it stopped early.</summary>
internal sealed record CertsRenewOutcome(CertsRenewPlan Plan, CertsRenewReport? Report, int ExitCode, string? Note);

/// <summary>
/// certs renew as one call: check the names, decide from the journal (new run or --resume), read every control plane's
/// certificates, plan, stop at --dry-run or an unconfirmed run, take the maintenance lock, run node by node.
/// </summary>
internal static class CertsRenew
{
    public const string NotConfirmed = "not confirmed; nothing was touched (pass --yes to skip the question)";

    public static async Task<CertsRenewOutcome> RunAsync(CertsRenewRequest request, CertsRenewServices services, CancellationToken cancellationToken)
    {
        var names = CertsRenewPlanner.CheckNames(request.Names);
        var journal = await CertsRenewJournal.LoadAsync(request.StateDir, cancellationToken).ConfigureAwait(false);
        var controlPlanes = request.Nodes.Where(n => n.ControlPlane).Select(n => n.Name).ToList();
        if (request.Resume)
        {
            if (journal is not { Finished: false })
            {
                throw new PitcrewException($"--resume: no interrupted renewal in {CertsRenewJournal.PathIn(request.StateDir)}; run without --resume", ExitCodes.Usage);
            }

            if (!journal.Names.SequenceEqual(names, StringComparer.Ordinal))
            {
                throw new PitcrewException($"--resume: the interrupted renewal renews {string.Join(" ", journal.Names)}; give the same names", ExitCodes.Usage);
            }

            controlPlanes = [.. journal.Nodes];
        }
        else if (journal is { Finished: false } && !request.DryRun)
        {
            throw new PitcrewException($"an interrupted renewal ({string.Join(" ", journal.Names)} on {string.Join(", ", journal.Nodes)}, copies kept as *.pitcrew-{journal.Stamp}) " +
                $"is journaled in {CertsRenewJournal.PathIn(request.StateDir)}: add --resume to go on, or move the journal aside to start over", ExitCodes.Blocked);
        }

        if (controlPlanes.Count == 0)
        {
            throw new PitcrewException("no control-plane node among the nodes given (kubeadm's certificates live on the control planes)", ExitCodes.Failed);
        }

        var reader = new NodeCertificateReader(services.Executor, services.Time);
        var read = new List<NodeCertificates>();
        foreach (var node in controlPlanes)
        {
            read.Add(await reader.ReadAsync(new CertsNode(node, true), request.PkiDirectory, cancellationToken).ConfigureAwait(false));
        }

        var stamp = request.Resume ? journal!.Stamp : Restore.ClusterRestoreProcedure.StampOf(services.Time.GetUtcNow());
        var inputs = new RenewInputs(names, request.PkiDirectory, request.ManifestDirectory, stamp, request.UpdateAdminConf);
        var plan = CertsRenewPlanner.Plan(inputs, read);
        services.ShowPlan(plan);
        if (plan.Nodes.Count == 0)
        {
            throw new PitcrewException($"no kubeadm certificates under {request.PkiDirectory} on {string.Join(", ", controlPlanes)}; nothing to renew (another --pki-dir?)", ExitCodes.Failed);
        }

        if (request.DryRun)
        {
            return new(plan, null, ExitCodes.Ok, "dry run: nothing was touched");
        }

        if (!request.Yes && !services.Confirm())
        {
            return new(plan, null, ExitCodes.Blocked, NotConfirmed);
        }

        await using var clusterLock = await MaintenanceLock.AcquireAsync(services.Client, LockHolder.Here("certs-renew", stamp),
            $"renewal of kubeadm certificates ({string.Join(" ", names)})", TimeSpan.FromMinutes(5), takeOver: false, services.Time, services.Log, cancellationToken)
            .ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, clusterLock.Lost);
        var runner = new CertsRenewRunner(services.Executor, new RenewCluster(services.Client, services.ApiHost, services.ApiPort), inputs, request.StateDir, services.Time, services.Log);
        try
        {
            var report = await runner.RunAsync(plan, journal is { Finished: false } && request.Resume ? journal : new CertsRenewJournal(stamp, names, [.. plan.Nodes.Select(n => n.Node)], [], false),
                linked.Token).ConfigureAwait(false);
            return new(plan, report, ExitCodes.Ok, null);
        }
        catch (OperationCanceledException e) when (clusterLock.Lost.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PitcrewException($"the maintenance lock ({MaintenanceLock.Namespace}/{MaintenanceLock.LeaseName}) was lost to another operation or could not be renewed; " +
                $"the renewal stopped (the journal has every step done): when the cluster is free, run the same command with --resume", ExitCodes.Partial, e);
        }
    }
}
