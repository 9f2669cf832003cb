using Pitcrew.Certs;
using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;

namespace Pitcrew.Cli.CertsCommands;

/// <summary>pitcrew certs check: kubeadm certs check-expiration's tables for every control plane, and every kubelet's certificates, read through the executor.</summary>
internal static class CertsCheckCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("check").Describe(
            "List the certificates and when they expire, as kubeadm certs check-expiration does, on every node",
            """
            For every control-plane node: kubeadm certs check-expiration's two tables, read from the node's pki dir and
            the kubeconfigs beside it (admin.conf, controller-manager.conf, scheduler.conf, super-admin.conf); for every
            node: the kubelet's client (/var/lib/kubelet/pki/kubelet-client-current.pem) and serving (kubelet.crt)
            certificates. The files are read through the executor (cat as root); nothing is changed.
            Exit codes: 0 all good, 9 a certificate expires within 30 days, 8 one expires within 7 days or has expired,
            1 a node is unknown or a file unreadable.
            """,
            """
            pitcrew certs check --executor ssh --inventory nodes.yaml
            pitcrew certs check cp-1 --executor sim -o json
            pitcrew certs check -l node-role.kubernetes.io/control-plane= --executor sim
            """);
        CertsFlags.AddTo(command);
        command.Outputs(OutputFlag.Structured);
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var kube = KubeAccess.Configuration(new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context)), context.Environment);
        using var client = KubeAccess.Connect(kube);
        var nodes = await CertsFlags.ResolveAsync(parse.GetValue(NodeFlags.Nodes) ?? [], parse.GetValue(NodeFlags.Selector), new Nodes.KubeNodeApi(client), cancellationToken)
            .ConfigureAwait(false);
        CertsFlags.CheckLocal(parse, nodes);
        await using var executor = ExecutorFlags.Create(context, parse, kube);
        var results = await new NodeCertificateReader(executor, context.Time).ReadAllAsync(nodes, parse.GetValue(CertsFlags.PkiDir)!, cancellationToken).ConfigureAwait(false);

        var items = results.SelectMany(r => r.Items()).ToList();
        if (!StructuredOutput.TryWrite(context, OutputFlag.Get(parse), items))
        {
            WriteLines(context.RawOut, CertsRenderer.Lines(results));
        }

        return CertsRenderer.ExitCode(items, context.Time.GetUtcNow());
    }

    private static void WriteLines(TextWriter output, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }
    }
}
