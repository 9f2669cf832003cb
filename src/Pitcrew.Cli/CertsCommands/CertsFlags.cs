using Pitcrew.Certs;
using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Nodes;

namespace Pitcrew.Cli.CertsCommands;

/// <summary>The flags certs check and renew share: the nodes (names or -l, default all), the cluster, the executor, the pki dir.</summary>
internal static class CertsFlags
{
    public const string ControlPlaneLabel = "node-role.kubernetes.io/control-plane";

    public static readonly Option<string> PkiDir = new("--pki-dir")
    {
        Description = "kubeadm's certificate dir on the nodes (its kubeconfigs are in the parent)",
        DefaultValueFactory = _ => Doctor.KubeadmCertificates.DefaultPkiDirectory,
        HelpName = "DIR",
    };

    public static void AddTo(Command command, bool nodeArguments = true)
    {
        if (nodeArguments)
        {
            command.Add(NodeFlags.Nodes);
        }

        command.Add(NodeFlags.Selector);
        command.Add(NodeFlags.Kubeconfig);
        command.Add(NodeFlags.Context);
        command.Add(ExecutorFlags.Executor);
        command.Add(ExecutorFlags.Inventory);
        command.Add(ExecutorFlags.KnownHosts);
        command.Add(ExecutorFlags.SshAcceptNew);
        command.Add(PkiDir);
    }

    /// <summary>--executor local reads and changes this machine only: it must stand for exactly one node.</summary>
    public static void CheckLocal(ParseResult parse, IReadOnlyList<CertsNode> nodes)
    {
        if (parse.GetValue(ExecutorFlags.Executor) == "local" && nodes.Count != 1)
        {
            throw new PitcrewException($"--executor local runs on this machine: name the one node it is (selected: {nodes.Count} nodes)", ExitCodes.Usage);
        }
    }

    /// <summary>The nodes named or selected (every node when neither is given), control planes first as the cluster lists them; an unknown name fails before any node is touched.</summary>
    public static async Task<IReadOnlyList<CertsNode>> ResolveAsync(IReadOnlyList<string> names, string? selector, INodeApi api, CancellationToken cancellationToken)
    {
        if (names.Count > 0 && !string.IsNullOrEmpty(selector))
        {
            throw new PitcrewException("cannot specify both a node name and a --selector option", ExitCodes.Usage);
        }

        var nodes = new List<Cluster.NodeFacts>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            nodes.Add(await api.GetNodeAsync(name, cancellationToken).ConfigureAwait(false));
        }

        if (names.Count == 0)
        {
            nodes.AddRange(await api.ListNodesAsync(string.IsNullOrEmpty(selector) ? null : selector, 500, cancellationToken).ConfigureAwait(false));
            if (nodes.Count == 0)
            {
                throw new PitcrewException($"no nodes match the selector {selector}", ExitCodes.Failed);
            }
        }

        return [.. nodes.Select(n => new CertsNode(n.Name, n.Labels.ContainsKey(ControlPlaneLabel)))
            .OrderBy(n => n.ControlPlane ? 0 : 1).ThenBy(n => n.Name, StringComparer.Ordinal)];
    }
}
