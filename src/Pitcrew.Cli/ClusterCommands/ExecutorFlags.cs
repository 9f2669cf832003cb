using k8s;
using Pitcrew.Cluster;
using Pitcrew.Executors;

namespace Pitcrew.Cli.ClusterCommands;

/// <summary>The flags that choose how Pitcrew reaches nodes (--executor, --inventory, --known-hosts) and the executor they make.</summary>
internal static class ExecutorFlags
{
    public static readonly Option<string> Executor = CliFlag.Of<string>("--executor",
        "How to reach the nodes: ssh, local (this machine is the node) or sim (a Pitcrew sim's node agent)").Default("ssh");

    public static readonly Option<string?> Inventory = CliFlag.Of<string?>("--inventory", "SSH inventory (hosts, users, keys, sudo per node)", "FILE");

    public static readonly Option<string?> KnownHosts = CliFlag.Of<string?>("--known-hosts", "known_hosts for --executor ssh (default ~/.ssh/known_hosts)", "FILE");

    public static readonly Option<bool> SshAcceptNew = CliFlag.Of<bool>("--ssh-accept-new",
        "Trust and record a node's host key the first time it is seen (as StrictHostKeyChecking=accept-new); a changed key is always refused");

    /// <summary>Where journals and fetched files go: $XDG_STATE_HOME/pitcrew or ~/.local/state/pitcrew.</summary>
    public static string DefaultStateDir(CliContext context) =>
        Path.Combine(context.Environment("XDG_STATE_HOME") is { Length: > 0 } state ? state
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "pitcrew");

    public static INodeExecutor Create(CliContext context, ParseResult parse, KubernetesClientConfiguration? kube)
    {
        switch (parse.GetValue(Executor))
        {
            case "local":
                return new LocalNodeExecutor(context.Time);
            case "sim":
                return SimNodeExecutor.Create(kube ?? throw new PitcrewException("--executor sim needs the sim's kubeconfig", ExitCodes.Usage), context.Time);
            case "ssh":
                var inventory = parse.GetValue(Inventory) is { } path ? NodeInventory.Load(path) : NodeInventory.Empty;
                var knownHosts = parse.GetValue(KnownHosts) ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
                return new SshNodeExecutor(new SshExecutorOptions(inventory, knownHosts, parse.GetValue(SshAcceptNew), SshExecutorOptions.DefaultConnectTimeout),
                    (node, cancellationToken) => InternalIpAsync(kube, node, cancellationToken), context.Time);
            case var other:
                throw new PitcrewException($"--executor {other}: want ssh, local or sim", ExitCodes.Usage);
        }
    }

    private static async Task<string?> InternalIpAsync(KubernetesClientConfiguration? kube, string node, CancellationToken cancellationToken)
    {
        if (kube is null)
        {
            return null;
        }

        using var client = KubeAccess.Connect(kube);
        var found = await client.CoreV1.ReadNodeAsync(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        return found.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address;
    }
}
