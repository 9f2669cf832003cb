using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Sim.Pki;

/// <summary>What a kubeadm leaf certificate says: its subject, usages and names, and the line kubeadm prints when it renews it.</summary>
internal sealed record KubeadmLeafSpec(string Name, string Subject, bool ServerAuth, bool ClientAuth, KubeadmSans Sans, string Renewed, string? KubeconfigUser = null)
{
    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>The extensions kubeadm gives such a certificate on this node (basic constraints and key ids aside).</summary>
    public IEnumerable<X509Extension> Extensions(string node, string address)
    {
        yield return new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true);
        var usages = new OidCollection();
        if (ServerAuth)
        {
            usages.Add(new Oid(ServerAuthOid));
        }

        if (ClientAuth)
        {
            usages.Add(new Oid(ClientAuthOid));
        }

        yield return new X509EnhancedKeyUsageExtension(usages, false);
        if (Sans == KubeadmSans.None)
        {
            yield break;
        }

        var names = new SubjectAlternativeNameBuilder();
        var dns = Sans == KubeadmSans.ApiServer
            ? new[] { node, "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost" }
            : [node, "localhost"];
        foreach (var name in dns)
        {
            names.AddDnsName(name);
        }

        if (Sans == KubeadmSans.ApiServer)
        {
            names.AddIpAddress(IPAddress.Parse("10.96.0.1"));
        }

        names.AddIpAddress(IPAddress.Parse(address));
        names.AddIpAddress(IPAddress.Loopback);
        if (Sans == KubeadmSans.Etcd)
        {
            names.AddIpAddress(IPAddress.IPv6Loopback);
        }

        yield return names.Build();
    }

    public X500DistinguishedName SubjectFor(string node) => new(Subject.Replace("{node}", node, StringComparison.Ordinal));
}

/// <summary>Which names a leaf carries: none (clients), the API server's, or an etcd member's.</summary>
internal enum KubeadmSans
{
    None,
    ApiServer,
    Etcd,
}

/// <summary>kubeadm's leaf certificates, by the names `kubeadm certs` uses.</summary>
internal static class KubeadmLeafSpecs
{
    public static readonly IReadOnlyDictionary<string, KubeadmLeafSpec> ByName = new KubeadmLeafSpec[]
    {
        new("admin.conf", "CN=kubernetes-admin, O=kubeadm:cluster-admins", false, true, KubeadmSans.None,
            "certificate embedded in the kubeconfig file for the admin to use and for kubeadm itself renewed", "kubernetes-admin"),
        new("apiserver", "CN=kube-apiserver", true, false, KubeadmSans.ApiServer, "certificate for serving the Kubernetes API renewed"),
        new("apiserver-etcd-client", "CN=kube-apiserver-etcd-client", false, true, KubeadmSans.None, "certificate the apiserver uses to access etcd renewed"),
        new("apiserver-kubelet-client", "CN=kube-apiserver-kubelet-client, O=kubeadm:cluster-admins", false, true, KubeadmSans.None,
            "certificate for the API server to connect to kubelet renewed"),
        new("controller-manager.conf", "CN=system:kube-controller-manager", false, true, KubeadmSans.None,
            "certificate embedded in the kubeconfig file for the controller manager to use renewed", "system:kube-controller-manager"),
        new("etcd-healthcheck-client", "CN=kube-etcd-healthcheck-client", false, true, KubeadmSans.None, "certificate for liveness probes to healthcheck etcd renewed"),
        new("etcd-peer", "CN={node}", true, true, KubeadmSans.Etcd, "certificate for etcd nodes to communicate with each other renewed"),
        new("etcd-server", "CN={node}", true, true, KubeadmSans.Etcd, "certificate for serving etcd renewed"),
        new("front-proxy-client", "CN=front-proxy-client", false, true, KubeadmSans.None, "certificate for the front proxy client renewed"),
        new("scheduler.conf", "CN=system:kube-scheduler", false, true, KubeadmSans.None,
            "certificate embedded in the kubeconfig file for the scheduler manager to use renewed", "system:kube-scheduler"),
        new("super-admin.conf", "CN=kubernetes-super-admin, O=system:masters", false, true, KubeadmSans.None,
            "certificate embedded in the kubeconfig file for the super-admin renewed", "kubernetes-super-admin"),
    }.ToDictionary(s => s.Name, StringComparer.Ordinal);
}
