namespace Pitcrew.Upgrade;

/// <summary>
/// The version-skew policy (kubernetes.io/releases/version-skew-policy) and kubeadm's upgrade rules as named limits.
/// </summary>
internal static class SkewPolicy
{
    /// <summary>kube-apiserver goes up one minor per upgrade and never skips one.</summary>
    public const int ApiServerMinorsPerStep = 1;

    /// <summary>The newest and oldest kube-apiserver of an HA control plane are at most one minor apart.</summary>
    public const int ApiServerInstanceSkew = 1;

    /// <summary>A kubelet may be up to three minors older than kube-apiserver (since 1.28's policy)...</summary>
    public const int KubeletMinorsBehind = 3;

    /// <summary>...but a kubelet older than 1.25 only two.</summary>
    public const int OldKubeletMinorsBehind = 2;

    /// <summary>The first kubelet minor the three-minor skew applies to.</summary>
    public const int ThreeMinorKubeletSince = 25;

    /// <summary>kube-proxy may be up to three minors older than kube-apiserver.</summary>
    public const int KubeProxyMinorsBehind = 3;

    /// <summary>kube-controller-manager and kube-scheduler may be one minor older than kube-apiserver, never newer.</summary>
    public const int ControllerMinorsBehind = 1;

    /// <summary>kubectl works within one minor (older or newer) of kube-apiserver.</summary>
    public const int KubectlMinorSkew = 1;

    /// <summary>Release branches are maintained for the three newest minors.</summary>
    public const int SupportedMinors = 3;

    /// <summary>The last two months before a minor's end of life are maintenance mode: critical fixes only.</summary>
    public const int MaintenanceMonths = 2;

    /// <summary>Release data older than this is flagged as possibly missing newer patches.</summary>
    public const int StaleReleaseDataDays = 90;

    /// <summary>How many minors older than kube-apiserver a kubelet of this version may be.</summary>
    public static int KubeletAllowance(KubeVersion kubelet) =>
        kubelet.Major == 1 && kubelet.Minor < ThreeMinorKubeletSince ? OldKubeletMinorsBehind : KubeletMinorsBehind;
}
