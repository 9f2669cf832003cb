using System.Text.RegularExpressions;
using Pitcrew.Sim.Controllers;
using Pitcrew.Upgrade;

namespace Pitcrew.Sim.Cluster;

/// <summary>
/// What is installed on each simulated node, kept on the Node as annotations so that it survives restarts: the kubeadm,
/// kubelet and kubectl packages (absent: the version the node's kubelet reports), which of them are held, the
/// pkgs.k8s.io minor the package repository points at and the one apt last fetched. The kubelet reports the installed
/// kubelet package's version once it restarts.
/// </summary>
internal static partial class ControlPlaneLayout
{
    public const string PackagesAnnotation = "sim.pitcrew.dev/packages";
    public const string HeldAnnotation = "sim.pitcrew.dev/held";
    public const string RepositoryAnnotation = "sim.pitcrew.dev/repository";
    public const string IndexAnnotation = "sim.pitcrew.dev/package-index";
    public const string RestartAnnotation = "sim.pitcrew.dev/kubelet-restart-until";
    public const string EtcdManifestAnnotation = "sim.pitcrew.dev/etcd-manifest-moved-to";

    /// <summary>The packages kubeadm's install guide installs and holds.</summary>
    public static readonly IReadOnlyList<string> Packages = ["kubeadm", "kubelet", "kubectl"];

    /// <summary>The version the node's kubelet reports.</summary>
    public static SimVersion KubeletVersion(JsonObject node) =>
        SimVersion.Parse((string?)node["status"]?["nodeInfo"]?["kubeletVersion"] ?? "v0.0.0");

    /// <summary>The installed version of kubeadm, kubelet or kubectl on the node.</summary>
    public static SimVersion Installed(JsonObject node, string package) =>
        Pairs(node, PackagesAnnotation).TryGetValue(package, out var text) ? SimVersion.Parse(text) : KubeletVersion(node);

    public static void SetInstalled(JsonObject node, string package, SimVersion version)
    {
        var packages = Pairs(node, PackagesAnnotation);
        foreach (var name in Packages.Where(p => !packages.ContainsKey(p)))
        {
            packages[name] = KubeletVersion(node).GitVersion;
        }

        packages[package] = version.GitVersion;
        Annotate(node, PackagesAnnotation, string.Join(',', packages.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
    }

    /// <summary>Held packages (apt-mark hold); all three unless changed, as the install guide leaves them.</summary>
    public static IReadOnlySet<string> Held(JsonObject node) =>
        Annotation(node, HeldAnnotation) is { } held ? held.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) : Packages.ToHashSet(StringComparer.Ordinal);

    public static void SetHeld(JsonObject node, IEnumerable<string> held) =>
        Annotate(node, HeldAnnotation, string.Join(',', held.Order(StringComparer.Ordinal)));

    /// <summary>The pkgs.k8s.io minor the node's package repository points at (default: its kubelet's).</summary>
    public static string Repository(JsonObject node) => Annotation(node, RepositoryAnnotation) ?? Minor(KubeletVersion(node));

    public static void SetRepository(JsonObject node, string minor) => Annotate(node, RepositoryAnnotation, minor);

    /// <summary>The minor whose package list apt last fetched (apt-get update).</summary>
    public static string Index(JsonObject node) => Annotation(node, IndexAnnotation) ?? Repository(node);

    public static void SetIndex(JsonObject node, string minor) => Annotate(node, IndexAnnotation, minor);

    public static string Minor(SimVersion version) => string.Create(CultureInfo.InvariantCulture, $"v{version.Major}.{version.Minor}");

    /// <summary>The Kubernetes version a package version from pkgs.k8s.io names (1.30.4-1.1, 1.30.4-150500.1.1); null for anything else (the legacy 1.28.0-00).</summary>
    public static SimVersion? FromPackageVersion(string text)
    {
        var match = PackageVersion().Match(text);
        return match.Success ? SimVersion.Parse(match.Groups[1].Value) : null;
    }

    /// <summary>The version of the node's static pods, from its kube-apiserver mirror pod's image.</summary>
    public static SimVersion? StaticPodVersion(JsonObject? apiServerPod) =>
        KubeVersion.FromImage((string?)(apiServerPod?["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault()?["image"]) is { } version
            ? new SimVersion(version.Major, version.Minor, version.Patch)
            : null;

    /// <summary>Starts the kubelet (again): NotReady until <paramref name="until"/>, then Ready with the installed kubelet's version.</summary>
    public static void RestartKubelet(JsonObject node, DateTimeOffset until, DateTimeOffset now)
    {
        Annotate(node, RestartAnnotation, until.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        NodeConditions.Set(node, "Ready", "False", "KubeletNotReady", "kubelet is starting: container runtime status check may not have completed yet", now);
    }

    /// <summary>Whether the node's kubelet is still starting.</summary>
    public static bool KubeletStarting(JsonObject node, DateTimeOffset now) =>
        Annotation(node, RestartAnnotation) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var until) && now < until;

    /// <summary>Ends a kubelet start that is due: the node reports the installed kubelet's version. True when the node changed.</summary>
    public static bool FinishKubeletStart(JsonObject node, DateTimeOffset now)
    {
        if (Annotation(node, RestartAnnotation) is null || KubeletStarting(node, now))
        {
            return false;
        }

        Annotate(node, RestartAnnotation, null);
        if (node["status"]?["nodeInfo"] is JsonObject info)
        {
            var kubelet = Installed(node, "kubelet").GitVersion;
            info["kubeletVersion"] = kubelet;
            info["kubeProxyVersion"] = kubelet;
        }

        return true;
    }

    /// <summary>The Kubernetes version a ClusterConfiguration names.</summary>
    public static SimVersion? KubernetesVersion(string clusterConfiguration) =>
        KubernetesVersionLine().Match(clusterConfiguration) is { Success: true } match ? SimVersion.Parse(match.Groups[1].Value) : null;

    public static string WithKubernetesVersion(string clusterConfiguration, SimVersion version) =>
        KubernetesVersionLine().Replace(clusterConfiguration, "kubernetesVersion: " + version.GitVersion);

    /// <summary>The node the ClusterConfiguration's controlPlaneEndpoint names (host of host:port).</summary>
    public static string? EndpointNode(string clusterConfiguration) =>
        EndpointLine().Match(clusterConfiguration) is { Success: true } match ? match.Groups[1].Value : null;

    private static string? Annotation(JsonObject node, string key) => (string?)ObjectMeta.Metadata(node)["annotations"]?[key];

    private static void Annotate(JsonObject node, string key, string? value)
    {
        var metadata = ObjectMeta.Metadata(node);
        var annotations = metadata["annotations"] as JsonObject ?? [];
        if (value is null)
        {
            annotations.Remove(key);
        }
        else
        {
            annotations[key] = value;
        }

        metadata["annotations"] = annotations;
    }

    private static Dictionary<string, string> Pairs(JsonObject node, string key) =>
        (Annotation(node, key) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    [GeneratedRegex(@"^(\d+\.\d+\.\d+)-(?:1\.1|150500\.1\.1)$")]
    private static partial Regex PackageVersion();

    [GeneratedRegex(@"(?m)^kubernetesVersion:\s*(\S+)\s*$")]
    private static partial Regex KubernetesVersionLine();

    [GeneratedRegex(@"(?m)^controlPlaneEndpoint:\s*([^:\s]+)")]
    private static partial Regex EndpointLine();
}
