namespace Pitcrew.Sim.Cluster;

/// <summary>
/// The kubeadm layout of the cluster's own components, and the one place that decides which component images a node
/// runs for a version: static (mirror) pods per control-plane node, the kube-proxy DaemonSet, the CoreDNS Deployment and
/// the kubeadm-config ConfigMap; and (ControlPlaneLayout.Nodes.cs) the kubeadm, kubelet and kubectl packages installed on
/// each node. The simulated node agent changes versions only through here.
/// </summary>
internal static partial class ControlPlaneLayout
{
    public const string Registry = "registry.k8s.io";
    public const string EtcdImageTag = "3.5.15-0";
    public const string CoreDnsImageTag = "v1.11.3";
    /// <summary>The static pods kubeadm writes to /etc/kubernetes/manifests on a control-plane node.</summary>
    public static readonly IReadOnlyList<string> StaticComponents = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"];

    /// <summary>
    /// The image a component runs at a Kubernetes version: etcd and CoreDNS as kubeadm of that minor deploys them (the
    /// release table Pitcrew plans with), the control-plane components and kube-proxy at the version itself.
    /// </summary>
    public static string Image(string component, SimVersion version)
    {
        var release = Pitcrew.Upgrade.Releases.ReleaseTable.Default.Find(version.Major, version.Minor);
        return component switch
        {
            "etcd" => $"{Registry}/etcd:{release?.Etcd ?? EtcdImageTag}",
            "coredns" => $"{Registry}/coredns/coredns:{release?.CoreDns ?? CoreDnsImageTag}",
            _ => $"{Registry}/{component}:{version.GitVersion}",
        };
    }

    /// <summary>
    /// The mirror pods of some of a control-plane node's static pods. etcd's carries, as kubeadm writes it, the client URL
    /// it advertises (annotation and command line): the sim's real etcd, so clients find it the way they find a kubeadm
    /// cluster's.
    /// </summary>
    public static IEnumerable<JsonObject> StaticPods(JsonObject node, SimVersion version, IEnumerable<string> components, Storage.EtcdPodUrls etcd)
    {
        var nodeName = (string)ObjectMeta.Metadata(node)["name"]!;
        foreach (var component in components)
        {
            var annotations = new JsonObject
            {
                ["kubernetes.io/config.mirror"] = $"{component}-{version.GitVersion}",
                ["kubernetes.io/config.source"] = "file",
            };
            var container = new JsonObject { ["name"] = component, ["image"] = Image(component, version) };
            if (component == "etcd")
            {
                annotations["kubeadm.kubernetes.io/etcd.advertise-client-urls"] = etcd.ClientUrl;
                container["command"] = EtcdCommand(nodeName, etcd);
            }

            yield return new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"{component}-{nodeName}",
                    ["labels"] = new JsonObject { ["component"] = component, ["tier"] = "control-plane" },
                    ["annotations"] = annotations,
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = "v1", ["kind"] = "Node", ["name"] = nodeName, ["uid"] = ObjectMeta.Metadata(node)["uid"]?.DeepClone(), ["controller"] = true,
                    }),
                },
                ["spec"] = new JsonObject
                {
                    ["nodeName"] = nodeName,
                    ["hostNetwork"] = true,
                    ["priorityClassName"] = "system-node-critical",
                    ["containers"] = new JsonArray(container),
                    ["tolerations"] = new JsonArray(new JsonObject { ["operator"] = "Exists", ["effect"] = "NoExecute" }),
                },
            };
        }
    }

    /// <summary>etcd's command line as kubeadm writes it, with the sim's etcd URL (kubeadm's TLS flags only when that URL is https).</summary>
    private static JsonArray EtcdCommand(string nodeName, Storage.EtcdPodUrls etcd)
    {
        var clientUrl = etcd.ClientUrl;
        var command = new JsonArray("etcd", $"--advertise-client-urls={clientUrl}", "--data-dir=/var/lib/etcd");
        if (etcd.PeerUrl is { } peer)
        {
            command.Add($"--initial-advertise-peer-urls={peer}");
            command.Add($"--initial-cluster={etcd.InitialCluster}");
        }

        command.Add($"--listen-client-urls={clientUrl}");
        if (etcd.PeerUrl is { } listenPeer)
        {
            command.Add($"--listen-peer-urls={listenPeer}");
        }

        command.Add($"--name={nodeName}");
        if (clientUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var flag in new[]
            {
                "--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--client-cert-auth=true", "--key-file=/etc/kubernetes/pki/etcd/server.key",
                "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
            })
            {
                command.Add(flag);
            }
        }

        return command;
    }

    /// <summary>kube-proxy (every node) and CoreDNS (two replicas, allowed on control planes), in kube-system.</summary>
    public static IEnumerable<(string Resource, JsonObject Object)> Addons(SimVersion version)
    {
        yield return ("daemonsets", Workload("kube-proxy", Image("kube-proxy", version), replicas: null,
            new JsonArray(new JsonObject { ["operator"] = "Exists" })));
        yield return ("deployments", Workload("coredns", Image("coredns", version), replicas: 2,
            new JsonArray(
                new JsonObject { ["key"] = "CriticalAddonsOnly", ["operator"] = "Exists" },
                new JsonObject { ["key"] = "node-role.kubernetes.io/control-plane", ["effect"] = "NoSchedule" })));
    }

    /// <summary>kube-system/kubeadm-config with the ClusterConfiguration kubeadm upgrade plan reads.</summary>
    public static JsonObject KubeadmConfig(SimVersion version, string controlPlaneEndpoint) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "kubeadm-config" },
        ["data"] = new JsonObject
        {
            ["ClusterConfiguration"] = $"""
                apiVersion: kubeadm.k8s.io/v1beta3
                kind: ClusterConfiguration
                kubernetesVersion: {version.GitVersion}
                controlPlaneEndpoint: {controlPlaneEndpoint}
                clusterName: kubernetes
                certificatesDir: /etc/kubernetes/pki
                imageRepository: {Registry}
                etcd:
                  local:
                    dataDir: /var/lib/etcd
                dns: {"{}"}
                networking:
                  dnsDomain: cluster.local
                  podSubnet: 10.244.0.0/16
                  serviceSubnet: 10.96.0.0/12

                """,
        },
    };

    private static JsonObject Workload(string name, string image, int? replicas, JsonArray tolerations)
    {
        var labels = new JsonObject { ["k8s-app"] = name };
        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = labels.DeepClone() },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = labels.DeepClone() },
                ["spec"] = new JsonObject
                {
                    ["priorityClassName"] = "system-node-critical",
                    ["containers"] = new JsonArray(new JsonObject { ["name"] = name, ["image"] = image }),
                    ["tolerations"] = tolerations,
                },
            },
        };
        if (replicas is { } count)
        {
            spec["replicas"] = count;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels }, ["spec"] = spec };
    }
}
