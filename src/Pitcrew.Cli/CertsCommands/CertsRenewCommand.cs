using Pitcrew.Certs;
using Pitcrew.Cli.ClusterCommands;
using Pitcrew.Cli.NodeCommands;
using Pitcrew.Cluster;
using Spectre.Console;

namespace Pitcrew.Cli.CertsCommands;

/// <summary>pitcrew certs renew: kubeadm certs renew on every control plane, one at a time, with copies kept aside, the static pods restarted and the served certificate checked; journaled.</summary>
internal static class CertsRenewCommand
{
    private static readonly Argument<string[]> Names = new("NAME") { Description = "all, or the certificates to renew (kubeadm's names: apiserver, admin.conf, ...)", Arity = ArgumentArity.ZeroOrMore };
    private static readonly Option<string[]> Node = new("--node") { Description = "A control-plane node to renew on (repeatable; default: every control plane)", HelpName = "NODE" };
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Print the plan and exit; touches nothing" };
    private static readonly Option<bool> Yes = new("--yes", "-y") { Description = "Do not ask before touching the nodes" };
    private static readonly Option<bool> Resume = new("--resume") { Description = "Go on from the journal of an interrupted run" };
    private static readonly Option<bool> UpdateAdminConf = new("--update-admin-conf")
    {
        Description = "Write the renewed admin.conf (first control plane) over the kubeconfig in use (--kubeconfig, else KUBECONFIG, else ~/.kube/config); the old one is kept beside it",
    };

    private static readonly Option<string> ManifestDir = new("--manifest-dir") { Description = "The kubelet's static-pod dir", DefaultValueFactory = _ => "/etc/kubernetes/manifests" };
    private static readonly Option<string?> StateDir = new("--state-dir") { Description = "Where the journal goes (default $XDG_STATE_HOME/pitcrew or ~/.local/state/pitcrew)", HelpName = "DIR" };

    public static Command Create(CliContext context)
    {
        var command = new Command("renew") { Names, Node, DryRun, Yes, Resume, UpdateAdminConf, ManifestDir, StateDir }.Describe(
            "Renew kubeadm's certificates on every control plane, one node at a time, and restart what uses them",
            """
            Checks the names (all, or kubeadm's: admin.conf, apiserver, apiserver-etcd-client, ...) and reads every
            control plane's certificates, then prints the plan. On each control plane in turn, through the executor:
            copy the pki dir and the kubeconfigs aside (PATH.pitcrew-STAMP; never deleted), run kubeadm certs renew,
            restart each static pod that uses a renewed certificate (its manifest out of the manifests dir until its
            mirror pod is gone, back until it is Ready), and check with a TLS handshake that the API endpoint serves the
            renewed apiserver certificate. Takes the cluster's maintenance lock (the Lease upgrade and restore take).
            Each step is journaled in the state dir; after a failure the message gives the copies to go back to, or fix
            the cause and add --resume.
            Exit codes: 0 renewed and checked, 2 an unknown certificate (nothing touched), 3 not confirmed or another
            run is journaled, 4 a step failed (resume), 1 an unknown node.
            """,
            """
            pitcrew certs renew all --executor ssh --inventory nodes.yaml --dry-run
            pitcrew certs renew apiserver --node cp-1 --executor sim --yes
            pitcrew certs renew all --executor sim --yes --update-admin-conf
            """);
        CertsFlags.AddTo(command, nodeArguments: false);
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var names = CertsRenewPlanner.CheckNames(parse.GetValue(Names) ?? []);
        var access = new KubeAccessOptions(parse.GetValue(NodeFlags.Kubeconfig), parse.GetValue(NodeFlags.Context));
        var kube = KubeAccess.Configuration(access, context.Environment);
        using var client = KubeAccess.Connect(kube);
        var nodes = await CertsFlags.ResolveAsync(parse.GetValue(Node) ?? [], parse.GetValue(NodeFlags.Selector), new Nodes.KubeNodeApi(client), cancellationToken)
            .ConfigureAwait(false);
        CertsFlags.CheckLocal(parse, [.. nodes.Where(n => n.ControlPlane)]);
        var server = new Uri(kube.Host);
        await using var executor = ExecutorFlags.Create(context, parse, kube);
        var request = new CertsRenewRequest(names, nodes, parse.GetValue(CertsFlags.PkiDir)!, parse.GetValue(ManifestDir)!,
            parse.GetValue(StateDir) ?? ExecutorFlags.DefaultStateDir(context), parse.GetValue(DryRun), parse.GetValue(Yes), parse.GetValue(Resume),
            parse.GetValue(UpdateAdminConf) ? KubeconfigPath(context, parse) : null);
        var services = new CertsRenewServices(context.Time, executor, client, server.Host, server.Port, plan => PrintPlan(context, plan), () => Confirm(context),
            line => context.Err.WriteLine(line, Style.Plain));
        var outcome = await CertsRenew.RunAsync(request, services, cancellationToken).ConfigureAwait(false);
        if (outcome.Note is { } note)
        {
            context.Err.WriteLine(note, Style.Plain);
        }

        if (outcome.Report is { } report)
        {
            PrintReport(context.RawOut, outcome.Plan, report);
        }

        return outcome.ExitCode;
    }

    /// <summary>The kubeconfig file in use, as kubectl picks the one to write: --kubeconfig, else KUBECONFIG's first, else ~/.kube/config.</summary>
    private static string KubeconfigPath(CliContext context, ParseResult parse) =>
        parse.GetValue(NodeFlags.Kubeconfig)
        ?? context.Environment("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");

    private static void PrintReport(TextWriter output, CertsRenewPlan plan, CertsRenewReport report)
    {
        output.WriteLine($"renewed {string.Join(" ", plan.Names)} on {string.Join(", ", plan.Nodes.Select(n => n.Node))}: " +
            $"{report.Ran.Count} steps run, {report.Skipped.Count} skipped (done before); the old files are kept as *.pitcrew-{report.Stamp}");
        foreach (var line in report.Verified)
        {
            output.WriteLine("  " + line);
        }
    }

    private static bool Confirm(CliContext context)
    {
        if (Console.IsInputRedirected)
        {
            return false;
        }

        context.Err.Write(new Text("This renews the certificates and restarts the static pods on the nodes above (copies are kept). Type yes to go on: "));
        return string.Equals(Console.ReadLine()?.Trim(), "yes", StringComparison.Ordinal);
    }

    private static void PrintPlan(CliContext context, CertsRenewPlan plan)
    {
        var err = context.Err;
        err.WriteLine($"renew {string.Join(" ", plan.Names)} on {plan.Nodes.Count} control plane(s), one at a time; copies kept as PATH.pitcrew-{plan.Stamp}", Style.Plain);
        foreach (var node in plan.Nodes)
        {
            err.WriteLine($"  node {node.Node}: " + string.Join(", ", node.Before.Select(r => $"{r.Certificate} ({r.ResidualTime})")), Style.Plain);
        }

        foreach (var step in plan.Steps)
        {
            err.WriteLine($"  {step.Id,-44} {step.Command ?? step.Description}", Style.Plain);
        }

        foreach (var note in plan.Notes)
        {
            err.WriteLine("note: " + note, Style.Plain);
        }
    }
}
