using Pitcrew.Cluster;

namespace Pitcrew.Nodes;

/// <summary>
/// Decides each pod's fate on a node being drained with kubectl's filters, in kubectl's order: long-deleting pods,
/// DaemonSet pods, mirror pods, emptyDir pods, pods without a controller. Pure: the facts come in, nothing is fetched.
/// </summary>
internal static class DrainPlanner
{
    public const string DaemonSetFatal = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
    public const string DaemonSetWarning = "ignoring DaemonSet-managed Pods";
    public const string LocalStorageFatal = "Pods with local storage (use --delete-emptydir-data to override)";
    public const string LocalStorageWarning = "deleting Pods with local storage";

    // kubectl's own text repeats "cannot delete" once its list prefix is added; scripts match it as it is.
    public const string UnmanagedFatal = "cannot delete Pods that declare no controller (use --force to override)";
    public const string UnmanagedWarning = "deleting Pods that declare no controller";

    private delegate PodDecision Filter(PodFacts pod);

    /// <summary>The decision for every pod, in the order given.</summary>
    /// <param name="existingDaemonSets">"namespace/name" of the DaemonSets that still exist among those owning the pods.</param>
    public static NodeDrainPlan Plan(NodeFacts node, IReadOnlyList<PodFacts> pods, IReadOnlySet<string> existingDaemonSets, DrainOptions options, DateTimeOffset now)
    {
        Filter[] filters =
        [
            pod => SkipDeleted(pod, options, now),
            pod => DaemonSet(pod, existingDaemonSets, options),
            Mirror,
            pod => LocalStorage(pod, options),
            pod => Unreplicated(pod, options),
        ];
        var decisions = new List<PodDecision>(pods.Count);
        foreach (var pod in pods)
        {
            // As kubectl: the first filter that keeps the pod decides; otherwise the last one's verdict stands,
            // so a warning from an earlier filter is replaced by a later "okay".
            PodDecision decision = Okay(pod);
            foreach (var filter in filters)
            {
                decision = filter(pod);
                if (decision.Action != PodAction.Evict)
                {
                    break;
                }
            }

            decisions.Add(decision);
        }

        return new NodeDrainPlan(node, decisions);
    }

    private static PodDecision Okay(PodFacts pod) => new(pod, PodAction.Evict, null, null);

    private static PodDecision SkipDeleted(PodFacts pod, DrainOptions options, DateTimeOffset now) =>
        ShouldSkipDeleting(pod, options.SkipWaitForDeleteTimeout, now)
            ? new PodDecision(pod, PodAction.Skip, null, null)
            : Okay(pod);

    /// <summary>Whether a pod has been deleting for longer than --skip-wait-for-delete-timeout (whole seconds, as kubectl counts).</summary>
    public static bool ShouldSkipDeleting(PodFacts pod, TimeSpan skipAfter, DateTimeOffset now) =>
        skipAfter > TimeSpan.Zero && pod.DeletionTimestamp is { } deleting
        && Math.Floor((now - deleting).TotalSeconds) > Math.Floor(skipAfter.TotalSeconds);

    private static PodDecision DaemonSet(PodFacts pod, IReadOnlySet<string> existing, DrainOptions options)
    {
        if (pod.Controller is not { Kind: "DaemonSet" } owner || pod.IsTerminal)
        {
            return Okay(pod);
        }

        if (!existing.Contains($"{pod.Namespace}/{owner.Name}"))
        {
            var notFound = $"daemonsets.apps \"{owner.Name}\" not found";
            return options.Force
                ? new PodDecision(pod, PodAction.Evict, notFound, null)
                : new PodDecision(pod, PodAction.Block, notFound, "--force");
        }

        return options.IgnoreDaemonSets
            ? new PodDecision(pod, PodAction.Skip, DaemonSetWarning, null)
            : new PodDecision(pod, PodAction.Block, DaemonSetFatal, "--ignore-daemonsets");
    }

    private static PodDecision Mirror(PodFacts pod) =>
        pod.IsMirror ? new PodDecision(pod, PodAction.Skip, null, null) : Okay(pod);

    private static PodDecision LocalStorage(PodFacts pod, DrainOptions options)
    {
        if (!pod.HasEmptyDir || pod.IsTerminal)
        {
            return Okay(pod);
        }

        return options.DeleteEmptyDirData
            ? new PodDecision(pod, PodAction.Evict, LocalStorageWarning, null)
            : new PodDecision(pod, PodAction.Block, LocalStorageFatal, "--delete-emptydir-data");
    }

    private static PodDecision Unreplicated(PodFacts pod, DrainOptions options)
    {
        if (pod.IsTerminal || pod.Controller is not null)
        {
            return Okay(pod);
        }

        return options.Force
            ? new PodDecision(pod, PodAction.Evict, UnmanagedWarning, null)
            : new PodDecision(pod, PodAction.Block, UnmanagedFatal, "--force");
    }
}
