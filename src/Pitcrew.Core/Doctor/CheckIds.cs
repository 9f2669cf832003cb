namespace Pitcrew.Doctor;

/// <summary>The stable ids of every check (docs/doctor.md lists each with its severity, cause and remedy).</summary>
internal static class CheckIds
{
    public const string NodeNotReady = "node.not-ready";
    public const string NodeKubeletUnreachable = "node.kubelet-unreachable";
    public const string NodeDiskPressure = "node.disk-pressure";
    public const string NodeMemoryPressure = "node.memory-pressure";
    public const string NodePidPressure = "node.pid-pressure";
    public const string NodeNetworkUnavailable = "node.network-unavailable";
    public const string NodeProblem = "node.problem-condition";
    public const string NodeConditionUnknown = "node.condition-unknown";
    public const string NodeConditionStale = "node.condition-stale";
    public const string NodeConditionUnrecognised = "node.condition-unrecognised";
    public const string NodeCordoned = "node.cordoned";
    public const string NodeTaintUntolerated = "node.taint-untolerated";
    public const string NodeUsageHigh = "node.usage-high";
    public const string NodeVersionSkew = "node.version-skew";
    public const string PodPending = "pod.pending";
    public const string PodCrashLoop = "pod.crash-loop";
    public const string PodImagePull = "pod.image-pull";
    public const string PodOomKilled = "pod.oom-killed";
    public const string PodContainerConfig = "pod.container-config";
    public const string PodEvicted = "pod.evicted";
    public const string PodFailed = "pod.failed";
    public const string EventWarning = "event.warning";
    public const string EtcdUnreachable = "etcd.member-unreachable";
    public const string EtcdNoLeader = "etcd.no-leader";
    public const string EtcdAlarm = "etcd.alarm";
    public const string EtcdDbSize = "etcd.db-size";
    public const string EtcdFragmented = "etcd.fragmented";
    public const string EtcdErrors = "etcd.errors";
    public const string EtcdMemberDown = "etcd.member-down";
    public const string EtcdMemberBehind = "etcd.member-behind";
    public const string EtcdLearner = "etcd.learner";
    public const string EtcdClusterIdMismatch = "etcd.cluster-id";
    public const string EtcdBackupMissing = "etcd.backup-missing";
    public const string EtcdBackupStale = "etcd.backup-stale";
    public const string EtcdBackupUnverified = "etcd.backup-unverified";
    public const string CertApiServer = "cert.apiserver";
    public const string CertKubelet = "cert.kubelet";
    public const string CertEtcd = "cert.etcd";
    public const string CertKubeadm = "cert.kubeadm";
    public const string NotAuthorized = "doctor.not-authorized";
    public const string MetricsUnavailable = "doctor.metrics-unavailable";
}
