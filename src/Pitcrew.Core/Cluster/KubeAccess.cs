using System.Reflection;
using System.Text.RegularExpressions;
using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Pitcrew.Cluster;

/// <summary>Which cluster to talk to, as kubectl takes it: --kubeconfig, --context.</summary>
internal sealed record KubeAccessOptions(string? Kubeconfig, string? Context);

/// <summary>
/// Finds the cluster the way kubectl does: --kubeconfig, else the files in KUBECONFIG merged, else ~/.kube/config,
/// else the in-cluster service account when running in a pod.
/// </summary>
internal static partial class KubeAccess
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

                return KubernetesClientConfiguration.BuildConfigFromConfigObject(Load(file), options.Context);
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
                return KubernetesClientConfiguration.BuildConfigFromConfigObject(Load(fallback), options.Context);
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
        var configs = files.Select(Load).ToList();
        var merged = configs[0];
        merged.Clusters = First(configs.SelectMany(c => c.Clusters ?? []), c => c.Name);
        merged.Users = First(configs.SelectMany(c => c.Users ?? []), u => u.Name);
        merged.Contexts = First(configs.SelectMany(c => c.Contexts ?? []), c => c.Name);
        merged.CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        return merged;
    }

    /// <summary>One kubeconfig file, or an error that names the file and what is wrong in it (the YAML parser's words, with line and column).</summary>
    private static K8SConfiguration Load(FileInfo file)
    {
        // The library fails with a NullReferenceException on an empty file: say what it is instead.
        if (string.IsNullOrWhiteSpace(File.ReadAllText(file.FullName)))
        {
            throw new PitcrewException($"{file.FullName}: not a kubeconfig: the file is empty", ExitCodes.Usage);
        }

        K8SConfiguration? config;
        try
        {
            config = KubernetesClientConfiguration.LoadKubeConfig(file);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            // The deserializer wraps the parser's error; where the parser stopped (the end of its span) is where the fault is.
            var cause = e;
            while (cause.InnerException is YamlDotNet.Core.YamlException inner)
            {
                cause = inner;
            }

            var position = YamlPosition().Match(cause.Message);
            var (line, column) = position.Success ? (position.Groups[1].Value, position.Groups[2].Value) : ($"{cause.End.Line}", $"{cause.End.Column}");
            var what = cause.InnerException is { } shape
                ? $"the content does not have a kubeconfig's shape ({shape.Message.TrimEnd('.')})"
                : (position.Success ? cause.Message[position.Length..] : cause.Message).TrimEnd('.');
            throw new PitcrewException(
                $"{file.FullName}: not a kubeconfig: line {line}, column {column}: {what} (expected YAML with clusters, users and contexts, as kubectl reads it)",
                ExitCodes.Usage, e);
        }

        return config ?? throw new PitcrewException($"{file.FullName}: not a kubeconfig: the file is empty", ExitCodes.Usage);
    }

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: (\d+), Col: (\d+), Idx: \d+\): ")]
    private static partial Regex YamlPosition();

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
