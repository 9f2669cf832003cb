using Pitcrew.Upgrade.Runbooks;

namespace Pitcrew.Upgrade.Apply;

/// <summary>What a stage is: the first control plane (kubeadm upgrade apply), another control plane, a canary worker, or a batch of workers.</summary>
internal enum StageKind
{
    FirstControlPlane,
    ControlPlane,
    Canary,
    Batch,
}

/// <summary>
/// Which of a node's runbook steps a stage runs: all of them (workers), or, on a control plane, the control-plane
/// components (the steps before the drain: packages, kubeadm upgrade apply/node) and later the kubelet (from the drain
/// on). Every control plane's components go first so that no kubelet is ever newer than a kube-apiserver instance.
/// </summary>
internal enum StagePart
{
    Whole,
    Components,
    Kubelet,
}

/// <summary>A node as the schedule sees it: its role, its zone, and whether it is labelled as a canary.</summary>
internal sealed record ScheduleNode(string Name, bool ControlPlane, string? Zone, bool CanaryLabel);

/// <summary>How workers go: canaries first (then a bake), then batches; never more than MaxPerZone of a zone at once (0: no limit).</summary>
internal sealed record ScheduleOptions(int BatchSize, int Canaries, int MaxPerZone);

/// <summary>Nodes upgraded together to one hop's version: one control plane at a time, canaries one by one, workers in batches.</summary>
internal sealed record UpgradeStage(KubeVersion Target, StageKind Kind, int Number, IReadOnlyList<string> Nodes, StagePart Part = StagePart.Whole)
{
    public NodeRole Role => Kind switch
    {
        StageKind.FirstControlPlane => NodeRole.FirstControlPlane,
        StageKind.ControlPlane => NodeRole.ControlPlane,
        _ => NodeRole.Worker,
    };

    public string Describe() => (Kind, Part) switch
    {
        (StageKind.FirstControlPlane or StageKind.ControlPlane, StagePart.Kubelet) => $"{Target}: kubelet of control plane {Nodes[0]}",
        (StageKind.FirstControlPlane, _) => $"{Target}: first control plane {Nodes[0]} (kubeadm upgrade apply)",
        (StageKind.ControlPlane, _) => $"{Target}: control plane {Nodes[0]} (kubeadm upgrade node)",
        (StageKind.Canary, _) => $"{Target}: canary {Nodes[0]}",
        _ => $"{Target}: batch {Number} ({string.Join(", ", Nodes)})",
    };
}

/// <summary>
/// Orders an upgrade: for each hop of the path, the control-plane components of the first control plane, then of the
/// other control planes one at a time (quorum never loses more than one member), then their kubelets one at a time
/// (the skew policy: no kubelet newer than any kube-apiserver), the canary workers one by one, then the other workers in batches of
/// BatchSize filled in name order without exceeding MaxPerZone per zone.
/// </summary>
internal static class UpgradeScheduler
{
    public const string CanaryLabel = "pitcrew.dev/canary";

    public static IReadOnlyList<UpgradeStage> Build(IReadOnlyList<KubeVersion> hops, IReadOnlyList<ScheduleNode> nodes, ScheduleOptions options)
    {
        if (options.BatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "a batch holds at least one node");
        }

        var controlPlanes = nodes.Where(n => n.ControlPlane).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        var workers = nodes.Where(n => !n.ControlPlane).OrderBy(n => n.CanaryLabel ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal).ToList();
        var canaries = workers.Take(Math.Max(0, options.Canaries)).ToList();
        var rest = workers.Skip(canaries.Count).OrderBy(n => n.Name, StringComparer.Ordinal).ToList();
        var stages = new List<UpgradeStage>();
        foreach (var hop in hops)
        {
            stages.AddRange(controlPlanes.Select((n, i) => new UpgradeStage(hop, i == 0 ? StageKind.FirstControlPlane : StageKind.ControlPlane, i + 1, [n.Name], StagePart.Components)));
            stages.AddRange(controlPlanes.Select((n, i) => new UpgradeStage(hop, i == 0 ? StageKind.FirstControlPlane : StageKind.ControlPlane, i + 1, [n.Name], StagePart.Kubelet)));
            stages.AddRange(canaries.Select((n, i) => new UpgradeStage(hop, StageKind.Canary, i + 1, [n.Name])));
            stages.AddRange(Batches(rest, options).Select((b, i) => new UpgradeStage(hop, StageKind.Batch, i + 1, b)));
        }

        return stages;
    }

    /// <summary>The runbook steps a part runs: components are the steps before the first drain, the kubelet part the rest.</summary>
    public static IReadOnlyList<T> StepsOf<T>(IReadOnlyList<T> steps, IReadOnlyList<RunbookStep> declared, StagePart part)
    {
        var split = declared.Select((s, i) => (s, i)).FirstOrDefault(p => p.s.Action == StepAction.Drain, (null!, declared.Count)).Item2;
        return part switch
        {
            StagePart.Components => [.. steps.Take(split)],
            StagePart.Kubelet => [.. steps.Skip(split)],
            _ => steps,
        };
    }

    /// <summary>Fills batches in order; a node whose zone is full in this batch waits for the next one.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Batches(IReadOnlyList<ScheduleNode> workers, ScheduleOptions options)
    {
        var pending = workers.ToList();
        var batches = new List<IReadOnlyList<string>>();
        while (pending.Count > 0)
        {
            var batch = new List<ScheduleNode>();
            foreach (var node in pending.ToList())
            {
                if (batch.Count == options.BatchSize)
                {
                    break;
                }

                if (options.MaxPerZone > 0 && batch.Count(b => b.Zone == node.Zone) >= options.MaxPerZone)
                {
                    continue;
                }

                batch.Add(node);
                pending.Remove(node);
            }

            batches.Add([.. batch.Select(b => b.Name)]);
        }

        return batches;
    }
}
