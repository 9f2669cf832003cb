namespace Pitcrew.Sim.Controllers;

/// <summary>
/// Faults injected into a simulated node, kept on the node itself as an annotation so that they survive restarts and
/// can be set through the API (pitcrew sim fault, or kubectl annotate).
/// </summary>
internal static class NodeFaults
{
    public const string Annotation = "sim.pitcrew.dev/faults";
    public const string KubeletStop = "kubelet-stop";
    public const string NetworkPartition = "network-partition";

    /// <summary>etcd-stop | etcd-start: the node's stacked etcd member process stopped or started (not kept on the node: a lost quorum could not be written).</summary>
    public const string EtcdStop = "etcd-stop";
    public const string EtcdStart = "etcd-start";

    /// <summary>etcd-corrupt: the member's process killed and its data dir's files overwritten with garbage, so it cannot start again (not kept on the node either).</summary>
    public const string EtcdCorrupt = "etcd-corrupt";

    /// <summary>Pressure faults: the condition the kubelet reports with its reason and message when on and off, and the taint.</summary>
    public static readonly IReadOnlyDictionary<string, PressureFault> Pressures = new Dictionary<string, PressureFault>(StringComparer.Ordinal)
    {
        ["disk-pressure"] = new("DiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure",
            "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "node.kubernetes.io/disk-pressure"),
        ["memory-pressure"] = new("MemoryPressure", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
            "KubeletHasSufficientMemory", "kubelet has sufficient memory available", "node.kubernetes.io/memory-pressure"),
        ["pid-pressure"] = new("PIDPressure", "KubeletHasInsufficientPID", "kubelet has insufficient PID available",
            "KubeletHasSufficientPID", "kubelet has sufficient PID available", "node.kubernetes.io/pid-pressure"),
    };

    /// <summary>
    /// exec-fail=PREFIX: the node agent fails (exit 1) every command whose line starts with PREFIX, e.g.
    /// exec-fail=kubeadm upgrade apply or exec-fail=systemctl restart kubelet.
    /// </summary>
    public const string ExecFailPrefix = "exec-fail=";

    /// <summary>Every fault name `sim fault` accepts, clear included.</summary>
    public static readonly IReadOnlyList<string> Names = [KubeletStop, "kubelet-start", .. Pressures.Keys, NetworkPartition, EtcdStop, EtcdStart, EtcdCorrupt, "clear"];

    /// <summary>Whether the fault acts on the node's etcd member process rather than on the node object.</summary>
    public static bool IsEtcd(string fault) => fault is EtcdStop or EtcdStart or EtcdCorrupt;

    /// <summary>Whether `sim fault` accepts the fault: a name, or exec-fail= and a command prefix (no commas).</summary>
    public static bool IsKnown(string fault) =>
        Names.Contains(fault) || (fault.StartsWith(ExecFailPrefix, StringComparison.Ordinal) && fault.Length > ExecFailPrefix.Length && !fault.Contains(',', StringComparison.Ordinal));

    /// <summary>The command prefixes the node agent fails on this node.</summary>
    public static IEnumerable<string> FailingCommands(IReadOnlySet<string> faults) =>
        faults.Where(f => f.StartsWith(ExecFailPrefix, StringComparison.Ordinal)).Select(f => f[ExecFailPrefix.Length..]);

    public static IReadOnlySet<string> Of(JsonObject node) =>
        ((string?)ObjectMeta.Metadata(node)["annotations"]?[Annotation] ?? string.Empty)
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The annotation value after applying a fault command to the current set.</summary>
    public static string Apply(IReadOnlySet<string> current, string fault)
    {
        var next = new SortedSet<string>(current, StringComparer.Ordinal);
        switch (fault)
        {
            case "clear":
                next.Clear();
                break;
            case "kubelet-start":
                next.Remove(KubeletStop);
                break;
            case EtcdStop or EtcdStart or EtcdCorrupt:
                break;
            default:
                next.Add(fault);
                break;
        }

        return string.Join(',', next);
    }

    /// <summary>Whether the node's kubelet can reach the API server.</summary>
    public static bool KubeletDown(IReadOnlySet<string> faults) => faults.Contains(KubeletStop) || faults.Contains(NetworkPartition);
}

/// <summary>A node condition a pressure fault turns on, with the kubelet's reasons and messages, and the taint it brings.</summary>
internal sealed record PressureFault(string Condition, string TrueReason, string TrueMessage, string FalseReason, string FalseMessage, string Taint);
