using System.Security.Cryptography.X509Certificates;

namespace Pitcrew.Sim.Pki;

/// <summary>
/// The API server's serving certificate, read from the files when the sim starts and again only when kube-apiserver
/// restarts (its manifest moved out of the manifests dir and back), as the real kube-apiserver reads its own.
/// </summary>
internal sealed class ServingCertificate(string node, string certPath, string keyPath)
{
    private X509Certificate2 _current = Tls.TlsMaterial.LoadKeyPair(certPath, keyPath);

    /// <summary>The control plane whose kube-apiserver the sim's API server stands for.</summary>
    public string Node { get; } = node;

    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>Reads the files again (the old certificate is left to handshakes still using it).</summary>
    public void Reload() => Volatile.Write(ref _current, Tls.TlsMaterial.LoadKeyPair(certPath, keyPath));
}

/// <summary>What the node agent needs of the sim's PKI: kubeadm's files, the served certificate, and each kubelet's served one.</summary>
internal sealed record NodePki(KubeadmPki Kubeadm, ServingCertificate Serving, Func<System.Text.Json.Nodes.JsonObject, X509Certificate2?> KubeletServing);
