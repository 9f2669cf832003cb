using System.Reflection;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Pitcrew.Errors;

namespace Pitcrew.Cluster;

/// <summary>Which cluster to talk to, as kubectl takes it: --kubeconfig, --context.</summary>
internal sealed record KubeAccessOptions(string? Kubeconfig, string? Context);

/// <summary>
/// Finds the cluster the way kubectl does: --kubeconfig, else the files in KUBECONFIG merged, else ~/.kube/config,
/// else the in-cluster service account when running in a pod.
/// </summary>
internal static class KubeAccess
{
    public static string UserAgent { get; } =
        "pitcrew/" + (typeof(KubeAccess).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    public static KubernetesClientConfiguration Configuration(KubeAccessOptions options, Func<string, string?> environment)
    {
        try
        {
            if (!string.IsNullOrEmpty(options.Kubeconfig))
            {
                var file = new FileInfo(options.Kubeconfig);
                if (!file.Exists)
                {
                    throw new PitcrewException($"stat {options.Kubeconfig}: no such file or directory", ExitCodes.Usage);
                }

                return KubernetesClientConfiguration.BuildConfigFromConfigObject(KubernetesClientConfiguration.LoadKubeConfig(file), options.Context);
            }

            var listed = (environment("KUBECONFIG") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(p => new FileInfo(p)).Where(f => f.Exists).ToArray();
            if (listed.Length > 0)
            {
                return KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge(listed), options.Context);
            }

            var home = environment("HOME");
            var fallback = home is null ? null : new FileInfo(Path.Combine(home, ".kube", "config"));
            if (fallback is { Exists: true })
            {
                return KubernetesClientConfiguration.BuildConfigFromConfigObject(KubernetesClientConfiguration.LoadKubeConfig(fallback), options.Context);
            }

            if (KubernetesClientConfiguration.IsInCluster())
            {
                return KubernetesClientConfiguration.InClusterConfig();
            }
        }
        catch (KubeConfigException e)
        {
            throw new PitcrewException($"invalid configuration: {e.Message}", ExitCodes.Usage, e);
        }

        throw new PitcrewException("no cluster configuration: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config", ExitCodes.Usage);
    }

    /// <summary>Merges kubeconfig files as kubectl does: the first file to name a cluster, user, context or current context wins.</summary>
    private static K8SConfiguration Merge(FileInfo[] files)
    {
        var configs = files.Select(f => KubernetesClientConfiguration.LoadKubeConfig(f)).ToList();
        var merged = configs[0];
        merged.Clusters = First(configs.SelectMany(c => c.Clusters ?? []), c => c.Name);
        merged.Users = First(configs.SelectMany(c => c.Users ?? []), u => u.Name);
        merged.Contexts = First(configs.SelectMany(c => c.Contexts ?? []), c => c.Name);
        merged.CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        return merged;
    }

    private static List<T> First<T>(IEnumerable<T> items, Func<T, string> name) =>
        [.. items.GroupBy(name, StringComparer.Ordinal).Select(g => g.First())];

    /// <summary>A client of the official library that names itself pitcrew in its User-Agent.</summary>
    public static Kubernetes Connect(KubeAccessOptions options, Func<string, string?> environment) =>
        Connect(Configuration(options, environment));

    public static Kubernetes Connect(KubernetesClientConfiguration configuration)
    {
        configuration.UserAgent = UserAgent;
        return new Kubernetes(configuration);
    }
}
