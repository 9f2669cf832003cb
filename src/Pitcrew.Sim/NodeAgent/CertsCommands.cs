using Pitcrew.Certs;
using Pitcrew.Doctor;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>kubeadm certs check-expiration and kubeadm certs renew all|NAME on a simulated control plane, on the node's own PKI files.</summary>
internal static class CertsCommands
{
    private const string Done =
        "Done renewing certificates. You must restart the kube-apiserver, kube-controller-manager, kube-scheduler and etcd, so that they can use the new certificates.";

    public static int CheckExpiration(AgentCall call)
    {
        if (Pki(call) is not { } pki)
        {
            return call.Fail(1, $"error: no kubeadm certificates under {KubeadmCertificates.DefaultPkiDirectory} on this node (kubeadm certs runs on a control-plane node)");
        }

        call.Out("[check-expiration] Reading configuration from the cluster...");
        call.Out("[check-expiration] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'");
        call.Out(string.Empty);
        var (rows, _) = KubeadmCertificates.Read(pki.Map(call.Node, KubeadmCertificates.DefaultPkiDirectory), call.Now);
        foreach (var line in KubeadmTables.Render(rows))
        {
            call.Out(line);
        }

        return 0;
    }

    public static int Renew(AgentCall call, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return call.Fail(1, "error: missing subcommand; \"kubeadm certs renew\" takes all or one of " + string.Join(", ", KubeadmCertificates.Leaves.Select(l => l.Name)));
        }

        var all = names[0] == "all";
        var leaves = all ? KubeadmCertificates.Leaves : KubeadmCertificates.Leaves.Where(l => l.Name == names[0]).ToList();
        if (leaves.Count == 0)
        {
            return call.Fail(1, $"error: unknown command \"{names[0]}\" for \"kubeadm certs renew\"");
        }

        if (Pki(call) is not { } pki)
        {
            return call.Fail(1, $"error: no kubeadm certificates under {KubeadmCertificates.DefaultPkiDirectory} on this node (kubeadm certs runs on a control-plane node)");
        }

        call.Out("[renew] Reading configuration from the cluster...");
        call.Out("[renew] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'");
        call.Out(string.Empty);
        foreach (var leaf in leaves)
        {
            if (pki.Renew(call.Node, leaf, call.Now))
            {
                call.Out(Sim.Pki.KubeadmLeafSpecs.ByName[leaf.Name].Renewed);
            }
            else if (!all)
            {
                return call.Fail(1, $"error: {leaf.PathIn(KubeadmCertificates.DefaultPkiDirectory)} does not exist; nothing to renew");
            }
        }

        if (all)
        {
            call.Out(string.Empty);
            call.Out(Done);
        }

        return 0;
    }

    /// <summary>The sim's kubeadm PKI when this node has one (a control plane's).</summary>
    private static Sim.Pki.KubeadmPki? Pki(AgentCall call) =>
        call.Services.Pki?.Kubeadm is { } pki && File.Exists(pki.Map(call.Node, KubeadmCertificates.DefaultPkiDirectory + "/ca.crt")) ? pki : null;
}
