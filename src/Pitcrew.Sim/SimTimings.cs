namespace Pitcrew.Sim;

/// <summary>How fast the simulated cluster moves; the defaults are Kubernetes' own where it has one.</summary>
/// <param name="PodStartDelay">From a pod's binding to Running and Ready.</param>
/// <param name="PodStopDelay">From a pod's deletion to its containers having stopped (capped by its grace period).</param>
/// <param name="LeaseRenewInterval">How often each kubelet renews its node Lease (kubelet: 10 s).</param>
/// <param name="NodeMonitorGracePeriod">A node whose Lease is older is marked Unknown and tainted unreachable (40 s).</param>
/// <param name="CompactionInterval">How often etcd history older than one interval is compacted (kube-apiserver: 5 min).</param>
/// <param name="JobPodRunTime">How long a Job's pod runs before it succeeds, unless its sim.pitcrew.dev/run-seconds annotation says (5 s).</param>
/// <param name="EventTtl">How long an Event lives after its last write (kube-apiserver's --event-ttl: 1 h).</param>
/// <param name="BookmarkInterval">How often a watch that allows bookmarks gets one (kube-apiserver: about a minute).</param>
/// <param name="KubeletRestart">How long a node is NotReady after the node agent restarts or starts its kubelet (2 s).</param>
public sealed record SimTimings(
    TimeSpan PodStartDelay, TimeSpan PodStopDelay, TimeSpan LeaseRenewInterval, TimeSpan NodeMonitorGracePeriod, TimeSpan? CompactionInterval = null,
    TimeSpan? JobPodRunTime = null, TimeSpan? EventTtl = null, TimeSpan? BookmarkInterval = null, TimeSpan? KubeletRestart = null)
{
    public static readonly SimTimings Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(40));

    public TimeSpan EffectiveCompactionInterval => CompactionInterval ?? TimeSpan.FromMinutes(5);

    public TimeSpan EffectiveJobPodRunTime => JobPodRunTime ?? TimeSpan.FromSeconds(5);

    public TimeSpan EffectiveEventTtl => EventTtl ?? TimeSpan.FromHours(1);

    public TimeSpan EffectiveBookmarkInterval => BookmarkInterval ?? TimeSpan.FromMinutes(1);

    public TimeSpan EffectiveKubeletRestart => KubeletRestart ?? TimeSpan.FromSeconds(2);

    /// <summary>How often each stacked etcd member is probed for its mirror pod's readiness (kubeadm's probe period is 10 s; the sim looks every second).</summary>
    public static readonly TimeSpan EtcdProbeInterval = TimeSpan.FromSeconds(1);
}
