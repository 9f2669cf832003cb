namespace Pitcrew.Doctor;

/// <summary>What a node-problem-detector condition means when True (its polarity: True is a problem).</summary>
internal sealed record ProblemCondition(Severity Severity, string Symptom, string Cause, string Remedy);

/// <summary>The conditions node-problem-detector ships (config/*.json), and how to tell a vendor's healthy-when-True condition.</summary>
internal static class NodeProblemConditions
{
    private const string Drain = "cordon and drain the node, then reboot it";

    public static readonly IReadOnlyDictionary<string, ProblemCondition> Known = new Dictionary<string, ProblemCondition>(StringComparer.Ordinal)
    {
        ["KernelDeadlock"] = new(Severity.Critical, "the kernel reports a deadlock (hung tasks)", "a kernel or container runtime hang (e.g. DockerHung)", Drain),
        ["ReadonlyFilesystem"] = new(Severity.Critical, "a filesystem was remounted read-only", "disk or filesystem errors made the kernel remount it read-only",
            "cordon and drain the node; check dmesg and the disk (fsck), replace it if failing"),
        ["XfsShutdown"] = new(Severity.Critical, "an XFS filesystem shut down", "XFS detected corruption or an I/O error", "cordon and drain; repair the filesystem (xfs_repair)"),
        ["CperHardwareErrorFatal"] = new(Severity.Critical, "a fatal hardware error was reported", "failing hardware (memory, CPU, PCIe)", "cordon and drain; replace the hardware"),
        ["CorruptDockerOverlay2"] = new(Severity.Warning, "Docker's overlay2 storage is corrupt", "a corrupted image layer", "drain, remove the corrupt layers or reset /var/lib/docker"),
        ["KubeletUnhealthy"] = new(Severity.Critical, "the kubelet fails its health check", "the kubelet is hung or crashing", Restart("kubelet")),
        ["ContainerRuntimeUnhealthy"] = new(Severity.Critical, "the container runtime fails its health check", "containerd or docker is hung or crashing",
            Restart("containerd")),
        ["FrequentKubeletRestart"] = new(Severity.Warning, "the kubelet restarts often", "a bad kubelet configuration or a crash at start",
            $"{Journal("kubelet")}; check its configuration and certificates"),
        ["FrequentDockerRestart"] = RestartsOften("docker"),
        ["FrequentContainerdRestart"] = RestartsOften("containerd"),
        ["FrequentUnregisterNetDevice"] = new(Severity.Warning, "the kernel waits on network devices (unregister_netdevice)", "a kernel networking bug",
            "drain and reboot the node; upgrade the kernel"),
        ["NTPProblem"] = new(Severity.Warning, "the clock is not synchronised (NTP down)", "NTP service stopped or unreachable",
            "systemctl status chronyd (or ntpd/systemd-timesyncd); clock skew breaks certificates and leases"),
        ["DiskBadBlock"] = new(Severity.Critical, "the disk has many bad blocks", "a failing disk", "cordon and drain; replace the disk"),
    };

    private static string Journal(string unit) => $"journalctl -u {unit} -n 50";

    private static string Restart(string unit) => $"systemctl restart {unit}; {Journal(unit)}";

    /// <summary>node-problem-detector's Frequent*Restart condition for a container runtime.</summary>
    private static ProblemCondition RestartsOften(string runtime) => new(Severity.Warning, $"{runtime} restarts often", "the runtime crashes", Journal(runtime));

    /// <summary>Vendor conditions named like KernelReady or ContainerRuntimeHealthy are healthy when True (k8sgpt#1461).</summary>
    public static bool LooksHealthyWhenTrue(string type) =>
        type.EndsWith("Ready", StringComparison.Ordinal) || type.EndsWith("Healthy", StringComparison.Ordinal) || type.EndsWith("Available", StringComparison.Ordinal)
        || type.EndsWith("Up", StringComparison.Ordinal);
}
