using Pitcrew.Doctor;
using Pitcrew.Executors;

namespace Pitcrew.Certs;

/// <summary>What a renewal is asked to do: which certificates, the dirs on the nodes, the stamp of this run, the kubeconfig to refresh.</summary>
internal sealed record RenewInputs(IReadOnlyList<string> Names, string PkiDirectory, string ManifestDirectory, string Stamp, string? UpdateAdminConf);

/// <summary>
/// Plans `certs renew` (pure): per control plane, one at a time, copy the pki dir and the kubeconfigs aside, run kubeadm
/// certs renew, restart each static pod that uses a renewed certificate (manifest out, mirror pod gone, manifest
/// back, mirror pod Ready), check the API endpoint serves the new certificate; then refresh the user's kubeconfig when asked.
/// </summary>
internal static class CertsRenewPlanner
{
    public const string All = "all";

    /// <summary>The static pods in the order they are restarted, and the certificates each one uses.</summary>
    private static readonly (string Component, string[] Uses)[] Components =
    [
        ("etcd", ["etcd-server", "etcd-peer", "etcd-healthcheck-client"]),
        ("kube-apiserver", ["apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "front-proxy-client"]),
        ("kube-controller-manager", ["controller-manager.conf"]),
        ("kube-scheduler", ["scheduler.conf"]),
    ];

    /// <summary>The names checked against kubeadm's: all, or leaf names; anything else is a usage error that names the valid ones.</summary>
    public static IReadOnlyList<string> CheckNames(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            throw new PitcrewException($"certs renew: name the certificates to renew: all, or some of {Known}", ExitCodes.Usage);
        }

        if (names.Contains(All, StringComparer.Ordinal))
        {
            return names.Count == 1 ? [All] : throw new PitcrewException("certs renew: all renews every certificate; give it alone", ExitCodes.Usage);
        }

        var unknown = names.Where(n => KubeadmCertificates.Leaves.All(l => l.Name != n)).ToList();
        return unknown.Count == 0
            ? [.. names.Distinct(StringComparer.Ordinal)]
            : throw new PitcrewException($"certs renew: unknown certificate {string.Join(", ", unknown)} (kubeadm renews all, {Known}); nothing was touched", ExitCodes.Usage);
    }

    public static CertsRenewPlan Plan(RenewInputs inputs, IReadOnlyList<NodeCertificates> controlPlanes)
    {
        var all = inputs.Names is [All];
        var steps = new List<RenewStep>();
        var nodes = new List<RenewNode>();
        var notes = new List<string>();
        var kubernetesDir = Path.GetDirectoryName(inputs.PkiDirectory.TrimEnd('/'))!;
        foreach (var node in controlPlanes)
        {
            var renewed = node.Kubeadm.Where(r => !r.IsAuthority && (all || inputs.Names.Contains(r.Certificate, StringComparer.Ordinal))).ToList();
            var missing = all ? [] : inputs.Names.Where(n => renewed.All(r => r.Certificate != n)).ToList();
            if (missing.Count > 0)
            {
                throw new PitcrewException($"node/{node.Node} has no {string.Join(", ", missing)} under {inputs.PkiDirectory}; nothing was touched", ExitCodes.Failed);
            }

            if (renewed.Count == 0)
            {
                notes.Add($"node/{node.Node}: no kubeadm certificates under {inputs.PkiDirectory}; skipped");
                continue;
            }

            nodes.Add(new RenewNode(node.Node, renewed));
            var kubeconfigs = node.Kubeadm.Where(r => r.Certificate.EndsWith(".conf", StringComparison.Ordinal))
                .Select(r => $"{kubernetesDir}/{r.Certificate}").ToList();
            var backup = string.Join(" && ", new[] { inputs.PkiDirectory.TrimEnd('/') }.Concat(kubeconfigs)
                .Select(p => $"cp -a {NodeCommand.Quote(p)} {NodeCommand.Quote(CertsRenewPlan.Aside(p, inputs.Stamp))}"));
            steps.Add(new RenewStep($"{node.Node}/backup", node.Node, RenewStepKind.Run, "copy the pki dir and the kubeconfigs aside", backup));
            var certDir = inputs.PkiDirectory.TrimEnd('/') == KubeadmCertificates.DefaultPkiDirectory ? string.Empty : " --cert-dir " + NodeCommand.Quote(inputs.PkiDirectory);
            var renew = all ? $"kubeadm certs renew all{certDir}" : string.Join(" && ", renewed.Select(r => $"kubeadm certs renew {r.Certificate}{certDir}"));
            steps.Add(new RenewStep($"{node.Node}/renew", node.Node, RenewStepKind.Run, "renew the certificates from the node's CAs", renew));
            foreach (var (component, uses) in Components.Where(c => renewed.Any(r => c.Uses.Contains(r.Certificate))))
            {
                var manifest = $"{inputs.ManifestDirectory.TrimEnd('/')}/{component}.yaml";
                var parked = CertsRenewPlan.Aside($"{kubernetesDir}/{component}.yaml", inputs.Stamp);
                var id = $"{node.Node}/restart/{component}";
                steps.Add(new RenewStep(id + "/out", node.Node, RenewStepKind.Run, $"move {component}'s manifest out (the kubelet stops it)",
                    $"mv {NodeCommand.Quote(manifest)} {NodeCommand.Quote(parked)}", component));
                steps.Add(new RenewStep(id + "/gone", node.Node, RenewStepKind.WaitGone, $"wait for {component}-{node.Node} to stop", null, component));
                steps.Add(new RenewStep(id + "/in", node.Node, RenewStepKind.Run, $"move {component}'s manifest back (the kubelet starts it)",
                    $"mv {NodeCommand.Quote(parked)} {NodeCommand.Quote(manifest)}", component));
                steps.Add(new RenewStep(id + "/ready", node.Node, RenewStepKind.WaitReady, $"wait for {component}-{node.Node} to be Ready", null, component));
            }

            if (renewed.Any(r => r.Certificate == "apiserver"))
            {
                steps.Add(new RenewStep($"{node.Node}/verify", node.Node, RenewStepKind.VerifyServing, "check the API endpoint serves the renewed apiserver certificate"));
            }
        }

        if (inputs.UpdateAdminConf is { } target && nodes.FirstOrDefault(n => n.Before.Any(r => r.Certificate == "admin.conf")) is { } first)
        {
            steps.Add(new RenewStep($"{first.Node}/admin-conf", first.Node, RenewStepKind.UpdateAdminConf,
                $"write the renewed {kubernetesDir}/admin.conf to {target} (the old one kept as {CertsRenewPlan.Aside(target, inputs.Stamp)})", $"cat {kubernetesDir}/admin.conf"));
        }
        else if (inputs.UpdateAdminConf is not null)
        {
            notes.Add("--update-admin-conf: admin.conf is not renewed in this run; the kubeconfig is left as it is");
        }

        return new CertsRenewPlan(inputs.Stamp, inputs.Names, nodes, steps, notes);
    }

    private static string Known => string.Join(", ", KubeadmCertificates.Leaves.Select(l => l.Name));
}
