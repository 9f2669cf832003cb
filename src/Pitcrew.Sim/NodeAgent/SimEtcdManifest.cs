using Pitcrew.MemberReplace;
using Pitcrew.Sim.Storage;

namespace Pitcrew.Sim.NodeAgent;

/// <summary>
/// The node's etcd manifest for the sim: rendered as kubeadm writes it while the node keeps none of its own, and, once one
/// was written on the node (member replace uploads it), the flags the member starts with when it is put back.
/// </summary>
internal static class SimEtcdManifest
{
    /// <summary>kubeadm's etcd.yaml for the member, its command from the member's flags (the node's own paths).</summary>
    public static string Render(SimEtcdMember member, string dataDir)
    {
        var c = member.Command;
        var state = c.InitialClusterState == "new" ? string.Empty : $"\n    - --initial-cluster-state={c.InitialClusterState}";
        return $"""
            apiVersion: v1
            kind: Pod
            metadata:
              annotations:
                kubeadm.kubernetes.io/etcd.advertise-client-urls: {c.ClientUrl}
              labels:
                component: etcd
                tier: control-plane
              name: etcd
              namespace: kube-system
            spec:
              containers:
              - command:
                - etcd
                - --advertise-client-urls={c.ClientUrl}
                - --data-dir={dataDir}
                - --initial-advertise-peer-urls={c.PeerUrl}
                - --initial-cluster={c.InitialCluster}{state}
                - --listen-client-urls={c.ClientUrl}
                - --listen-peer-urls={c.PeerUrl}
                - --name={c.Name}
                name: etcd
              hostNetwork: true
              volumes:
              - hostPath:
                  path: {dataDir}
                  type: DirectoryOrCreate
                name: etcd-data

            """;
    }

    /// <summary>
    /// Starts the node's member as its manifest put back says: a written one moves into the manifests dir and its
    /// --initial-cluster-state=existing with the --initial-cluster member add returned rejoins the member to the running
    /// cluster; otherwise the member starts on its data as before.
    /// </summary>
    public static async Task StartAsync(SimEtcd etcd, string node, string written, string into, CancellationToken cancellationToken)
    {
        if (!File.Exists(written))
        {
            await etcd.StartAsync(node, cancellationToken).ConfigureAwait(false);
            return;
        }

        var manifest = await File.ReadAllTextAsync(written, cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(Path.GetDirectoryName(into)!);
        File.Move(written, into, overwrite: true);
        if (EtcdManifestEdit.Flag(manifest, "--initial-cluster-state") == "existing" && EtcdManifestEdit.Flag(manifest, "--initial-cluster") is { } initialCluster)
        {
            await etcd.RejoinAsync(node, initialCluster, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await etcd.StartAsync(node, cancellationToken).ConfigureAwait(false);
        }
    }
}
