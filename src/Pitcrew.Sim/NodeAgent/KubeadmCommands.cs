using Pitcrew.Sim.Cluster;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// kubeadm on a simulated node, with the installed kubeadm package's version: version, upgrade plan, upgrade apply (the
/// first control plane: version policy, static pods, kubeadm-config, /version, addons when it is the last) and
/// upgrade node (other control planes and workers); certs check-expiration and renew (<see cref="CertsCommands"/>).
/// </summary>
internal static class KubeadmCommands
{
    public static async Task<int> RunAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var node = (await call.GetNodeAsync(cancellationToken).ConfigureAwait(false))!;
        var kubeadm = ControlPlaneLayout.Installed(node, "kubeadm");
        var operands = call.Operands(1);
        switch (operands)
        {
            case ["version", ..]:
                call.Out(call.Has("short") || call.Has("-o=short") ? kubeadm.GitVersion : $"kubeadm version: &version.Info{{Major:\"{kubeadm.Major}\", Minor:\"{kubeadm.Minor}\", GitVersion:\"{kubeadm.GitVersion}\"}}");
                return 0;
            case ["upgrade", "plan", ..]:
                return await PlanAsync(call, kubeadm, cancellationToken).ConfigureAwait(false);
            case ["upgrade", "apply", var target, ..]:
                return await ApplyAsync(call, node, kubeadm, target, cancellationToken).ConfigureAwait(false);
            case ["upgrade", "apply"]:
                return call.Fail(1, "error: missing one or more required arguments. Required arguments: [version]");
            case ["certs", "check-expiration", ..]:
                return CertsCommands.CheckExpiration(call);
            case ["certs", "renew", ..]:
                return CertsCommands.Renew(call, [.. operands.Skip(2)]);
            case ["upgrade", "node", ..]:
                return await NodeAsync(call, node, kubeadm, cancellationToken).ConfigureAwait(false);
            default:
                return call.Fail(1, $"error: unknown command \"{string.Join(' ', operands)}\" for \"kubeadm\"");
        }
    }

    /// <summary>kubelet --version, kubectl version --client: the installed package's version.</summary>
    public static async Task<int> BinaryVersionAsync(AgentCall call, CancellationToken cancellationToken)
    {
        var node = (await call.GetNodeAsync(cancellationToken).ConfigureAwait(false))!;
        var version = ControlPlaneLayout.Installed(node, call.Words[0]).GitVersion;
        call.Out(call.Words[0] == "kubelet" ? $"Kubernetes {version}" : $"Client Version: {version}");
        return 0;
    }

    private static async Task<int> PlanAsync(AgentCall call, SimVersion kubeadm, CancellationToken cancellationToken)
    {
        var (_, cluster) = await StaticPods.ClusterConfigurationAsync(call, cancellationToken).ConfigureAwait(false);
        call.Out("[preflight] Running pre-flight checks.");
        call.Out("[upgrade] Fetching available versions to upgrade to");
        call.Out($"[upgrade/versions] Cluster version: {cluster.GitVersion}");
        call.Out($"[upgrade/versions] kubeadm version: {kubeadm.GitVersion}");
        if (Compare(kubeadm, cluster) <= 0)
        {
            call.Out("Awesome, you're up-to-date! Enjoy!");
            return 0;
        }

        call.Out("You can now apply the upgrade by executing the following command:");
        call.Out(string.Empty);
        call.Out($"\tkubeadm upgrade apply {kubeadm.GitVersion}");
        return 0;
    }

    private static async Task<int> ApplyAsync(AgentCall call, System.Text.Json.Nodes.JsonObject node, SimVersion kubeadm, string targetText, CancellationToken cancellationToken)
    {
        if (!AgentServices.IsControlPlane(node))
        {
            return call.Fail(1, "[preflight] Some fatal errors occurred:\n\t[ERROR StaticPodManifest]: /etc/kubernetes/manifests/kube-apiserver.yaml does not exist; 'kubeadm upgrade apply' runs on a control-plane node");
        }

        SimVersion target;
        try
        {
            target = SimVersion.Parse(targetText);
        }
        catch (FormatException)
        {
            return call.Fail(1, $"[upgrade/version] FATAL: couldn't parse version \"{targetText}\"");
        }

        var (_, cluster) = await StaticPods.ClusterConfigurationAsync(call, cancellationToken).ConfigureAwait(false);
        var force = call.Has("--force") || call.Has("-f");
        var mandatory = new List<string>();
        var skippable = new List<string>();
        if (target.Major != kubeadm.Major || target.Minor > kubeadm.Minor)
        {
            mandatory.Add(Invariant($"Specified version to upgrade to \"{target.GitVersion}\" is at least one minor release higher than the kubeadm minor release ({target.Minor} > {kubeadm.Minor}). Such an upgrade is not supported"));
        }
        else if (target.Minor == kubeadm.Minor && target.Patch > kubeadm.Patch)
        {
            skippable.Add($"Specified version to upgrade to \"{target.GitVersion}\" is higher than the kubeadm version \"{kubeadm.GitVersion}\". Upgrade kubeadm first using the tool you used to install kubeadm");
        }

        if (target.Minor > cluster.Minor + 1)
        {
            mandatory.Add($"Specified version to upgrade to \"{target.GitVersion}\" is too high; kubeadm can upgrade only 1 minor version at a time");
        }
        else if (target.Minor < cluster.Minor - 1)
        {
            mandatory.Add($"Specified version to upgrade to \"{target.GitVersion}\" is too low; kubeadm can downgrade only 1 minor version at a time");
        }

        if (mandatory.Count > 0 || (skippable.Count > 0 && !force))
        {
            call.Err("[upgrade/version] FATAL: the --version argument is invalid due to these " + (mandatory.Count > 0 ? "fatal errors:" : "errors:"));
            foreach (var reason in mandatory.Concat(skippable))
            {
                call.Err("\t- " + reason);
            }

            return call.Fail(1, mandatory.Count > 0 ? string.Empty : "Can be bypassed if you pass the --force flag");
        }

        call.Out($"[upgrade/version] You have chosen to change the cluster version to \"{target.GitVersion}\"");
        call.Out($"[upgrade/versions] Cluster version: {cluster.GitVersion}");
        call.Out($"[upgrade/versions] kubeadm version: {kubeadm.GitVersion}");
        if (!call.Has("-y") && !call.Has("--yes"))
        {
            call.Out("[upgrade] Are you sure you want to proceed? [y/N]: ");
            return call.Fail(1, "won't proceed; the user didn't answer (Y|y) in order to continue");
        }

        await StaticPods.WriteAsync(call, node, target, ControlPlaneLayout.StaticComponents, cancellationToken).ConfigureAwait(false);
        await StaticPods.SetClusterVersionAsync(call, target, cancellationToken).ConfigureAwait(false);
        call.Out("[upload-config] Storing the configuration used in ConfigMap \"kubeadm-config\" in the \"kube-system\" Namespace");
        await StaticPods.AddonsAsync(call, target, cancellationToken).ConfigureAwait(false);
        call.Out($"[upgrade/successful] SUCCESS! Your cluster was upgraded to \"{target.GitVersion}\". Enjoy!");
        call.Out("[upgrade/kubelet] Now that your control plane is upgraded, please proceed with upgrading your kubelets if you haven't already done so.");
        return 0;
    }

    private static async Task<int> NodeAsync(AgentCall call, System.Text.Json.Nodes.JsonObject node, SimVersion kubeadm, CancellationToken cancellationToken)
    {
        var (_, cluster) = await StaticPods.ClusterConfigurationAsync(call, cancellationToken).ConfigureAwait(false);
        if (kubeadm.Major != cluster.Major || kubeadm.Minor < cluster.Minor)
        {
            return call.Fail(1, $"[upgrade] FATAL: this kubeadm ({kubeadm.GitVersion}) is older than the cluster's version {cluster.GitVersion}; upgrade the kubeadm package first");
        }

        call.Out("[upgrade] Reading configuration from the cluster...");
        if (AgentServices.IsControlPlane(node))
        {
            call.Out($"[upgrade] Upgrading your Static Pod-hosted control plane instance to version \"{cluster.GitVersion}\"...");
            if (await StaticPods.VersionAsync(call, cancellationToken).ConfigureAwait(false) != cluster)
            {
                await StaticPods.WriteAsync(call, node, cluster, ControlPlaneLayout.StaticComponents, cancellationToken).ConfigureAwait(false);
            }

            await StaticPods.AddonsAsync(call, cluster, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            call.Out("[upgrade] Skipping phase. Not a control plane node.");
        }

        call.Out("[upgrade] The configuration for this node was successfully updated!");
        call.Out("[upgrade] Now you should go ahead and upgrade the kubelet package using your package manager.");
        return 0;
    }

    private static int Compare(SimVersion a, SimVersion b) =>
        a.Major != b.Major ? a.Major.CompareTo(b.Major) : a.Minor != b.Minor ? a.Minor.CompareTo(b.Minor) : a.Patch.CompareTo(b.Patch);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
