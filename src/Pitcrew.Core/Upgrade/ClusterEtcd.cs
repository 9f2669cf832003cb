using Pitcrew.Etcd;

namespace Pitcrew.Upgrade;

/// <summary>A control plane's etcd static pod as the API shows it: kubeadm's annotation and the container's command line.</summary>
internal sealed record EtcdPod(string Node, string? AdvertisedUrls, IReadOnlyList<string> Command);

/// <summary>How to reach the cluster's etcd and where that came from; or, with no options, why it is not known.</summary>
/// <param name="Origin">Where the endpoints came from, as the output names it: "--endpoints", or the pods that advertise them.</param>
internal sealed record ClusterEtcdSource(EtcdConnectionOptions? Options, string Origin, string? Problem)
{
    public string Endpoints => Options is null ? "?" : string.Join(",", Options.Endpoints);

    /// <summary>The control planes' etcd pods read to find it (none when the flags named the endpoints), to name each member after its node.</summary>
    public IReadOnlyList<EtcdPod> Pods { get; init; } = [];
}

/// <summary>
/// Finds the cluster's etcd as kubeadm does: the endpoints its etcd static pods advertise (annotation
/// kubeadm.kubernetes.io/etcd.advertise-client-urls, else the container's --advertise-client-urls) with kubeadm's client
/// certificates, unless etcd's flags name the endpoints. One resolver for preflight, apply and anything else that
/// needs the cluster's etcd. Pure: the pods and a file probe in, options out.
/// </summary>
internal static class ClusterEtcd
{
    public const string AdvertiseAnnotation = "kubeadm.kubernetes.io/etcd.advertise-client-urls";
    public const string AdvertiseFlag = "--advertise-client-urls";

    /// <summary>kubeadm's certificatesDir.</summary>
    public const string KubeadmPki = "/etc/kubernetes/pki";

    /// <summary>The client certificates kubeadm issues that etcd accepts, in the order tried: etcd's health-check client, then kube-apiserver's.</summary>
    private static readonly (string Cert, string Key)[] ClientPairs =
    [
        ("etcd/healthcheck-client.crt", "etcd/healthcheck-client.key"),
        ("apiserver-etcd-client.crt", "apiserver-etcd-client.key"),
    ];

    private const string EtcdCa = "etcd/ca.crt";

    /// <summary>
    /// The etcd to use: the flags when they name endpoints; else the pods' advertised URLs, with the flags' certificates or,
    /// for https without them, kubeadm's under <paramref name="pkiDir"/> when they exist there.
    /// </summary>
    public static ClusterEtcdSource Resolve(EtcdConnectionOptions flags, bool endpointsGiven, IReadOnlyList<EtcdPod> pods, string pkiDir, Func<string, bool> exists)
    {
        if (endpointsGiven)
        {
            return new(flags, "--endpoints", null);
        }

        var advertised = pods.OrderBy(p => p.Node, StringComparer.Ordinal).Select(p => (Pod: p, Urls: Urls(p))).Where(p => p.Urls.Count > 0).ToList();
        if (advertised.Count == 0)
        {
            return new(null, "kube-system etcd pods", pods.Count == 0
                ? "no etcd endpoints: none given and kube-system has no etcd pod (component=etcd) to read them from; pass --endpoints"
                : $"no etcd endpoints: none given and the etcd pods ({string.Join(", ", pods.Select(p => $"etcd-{p.Node}"))}) advertise no client URL; pass --endpoints");
        }

        var endpoints = advertised.SelectMany(p => p.Urls).Distinct(StringComparer.Ordinal).ToList();
        var origin = $"advertised by {string.Join(", ", advertised.Select(p => $"etcd-{p.Pod.Node}"))}";
        if (flags.HasTlsMaterial || !endpoints.Any(e => e.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            return new(flags with { Endpoints = endpoints }, origin, null) { Pods = pods };
        }

        var ca = Path.Combine(pkiDir, EtcdCa);
        var pair = ClientPairs.Select(p => (Cert: Path.Combine(pkiDir, p.Cert), Key: Path.Combine(pkiDir, p.Key))).FirstOrDefault(p => exists(p.Cert) && exists(p.Key));
        if (!exists(ca) || pair.Cert is null)
        {
            return new(null, origin,
                $"etcd at {string.Join(",", endpoints)} ({origin}) speaks TLS, and kubeadm's certificates are not on this machine ({ca} with " +
                $"{string.Join(" or ", ClientPairs.Select(p => Path.Combine(pkiDir, p.Cert)))} and its key); pass --cacert, --cert and --key");
        }

        return new(flags with { Endpoints = endpoints, CaCert = ca, Cert = pair.Cert, Key = pair.Key }, $"{origin}, kubeadm's certificates", null) { Pods = pods };
    }

    /// <summary>The label kubeadm's etcd static pod carries.</summary>
    public const string PodSelector = "component=" + ClusterVersions.EtcdComponent;

    /// <summary>The etcd static pods of a kube-system list (component=etcd) with kubeadm's annotation and their command lines.</summary>
    public static IReadOnlyList<EtcdPod> Pods(k8s.Models.V1PodList pods) =>
        [.. pods.Items.Where(p => p.Spec?.NodeName is not null).Select(p => new EtcdPod(
            p.Spec.NodeName,
            p.Metadata.Annotations?.TryGetValue(AdvertiseAnnotation, out var urls) == true ? urls : null,
            [.. p.Spec.Containers?.FirstOrDefault(c => c.Name == ClusterVersions.EtcdComponent)?.Command ?? p.Spec.Containers?.FirstOrDefault()?.Command ?? []]))];

    /// <summary>The client URLs a pod advertises: kubeadm's annotation, else the flag on its command line (--flag=value or --flag value).</summary>
    public static IReadOnlyList<string> Urls(EtcdPod pod)
    {
        var text = pod.AdvertisedUrls;
        for (var i = 0; text is null && i < pod.Command.Count; i++)
        {
            if (pod.Command[i].StartsWith(AdvertiseFlag + "=", StringComparison.Ordinal))
            {
                text = pod.Command[i][(AdvertiseFlag.Length + 1)..];
            }
            else if (pod.Command[i] == AdvertiseFlag && i + 1 < pod.Command.Count)
            {
                text = pod.Command[i + 1];
            }
        }

        return text is null ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
