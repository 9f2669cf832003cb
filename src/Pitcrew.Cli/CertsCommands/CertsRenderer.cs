using Pitcrew.Certs;
using Pitcrew.Doctor;

namespace Pitcrew.Cli.CertsCommands;

/// <summary>certs check as text (pure): a header line per node, kubeadm's two tables for a control plane, then the kubelet's certificates.</summary>
internal static class CertsRenderer
{
    public static IEnumerable<string> Lines(IReadOnlyList<NodeCertificates> nodes)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            if (i > 0)
            {
                yield return string.Empty;
            }

            yield return $"node/{node.Node}{(node.ControlPlane ? " (control plane)" : string.Empty)}";
            if (node.ControlPlane)
            {
                if (node.Kubeadm.Count == 0)
                {
                    yield return "no kubeadm certificates found (is the pki dir elsewhere? see --pki-dir)";
                }
                else
                {
                    foreach (var line in KubeadmTables.Render(node.Kubeadm))
                    {
                        yield return line;
                    }
                }

                yield return string.Empty;
            }

            if (node.Kubelet.Count == 0)
            {
                yield return "no kubelet certificates found under /var/lib/kubelet/pki";
                continue;
            }

            foreach (var line in KubeadmTables.Align(["KUBELET CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "ISSUER", "FILE"],
                node.Kubelet.Select(k => new[] { k.Certificate, KubeadmTables.Date(k.Expires), k.ResidualTime, k.Issuer, k.File })))
            {
                yield return line;
            }
        }
    }

    /// <summary>8 when a certificate has expired or expires within 7 days, 9 within 30 days (the doctor's thresholds), else 0.</summary>
    public static int ExitCode(IReadOnlyList<CertificateItem> items, DateTimeOffset now)
    {
        var soonest = items.Count == 0 ? TimeSpan.MaxValue : items.Min(i => i.Expires - now);
        return soonest <= Thresholds.CertificateCritical ? ExitCodes.Critical : soonest <= Thresholds.CertificateWarning ? ExitCodes.Warnings : ExitCodes.Ok;
    }
}
