using k8s;
using Pitcrew.Cluster;
using Pitcrew.Etcd;

namespace Pitcrew.Restore;

/// <summary>Finds which control-plane node hosts which etcd member: from --initial-cluster, or from etcd's member list and the cluster's nodes.</summary>
public static class ClusterRestoreDiscovery
{
    /// <summary>Members named in --initial-cluster (NAME=URL,...); kubeadm names each member after its node.</summary>
    public static IReadOnlyList<HostedMember> FromInitialCluster(string initialCluster) =>
        [.. initialCluster.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => (Name: p.Split('=', 2)[0], Url: p.Contains('=', StringComparison.Ordinal) ? p.Split('=', 2)[1] : string.Empty))
            .GroupBy(p => p.Name, StringComparer.Ordinal)
            .Select(g => new HostedMember(g.Key, g.Key, [.. g.Select(p => p.Url)]))];

    /// <summary>
    /// Pairs members with control-plane nodes: by name (kubeadm's member name is the node's), else the one member
    /// left with the one node left; anything else is a problem to solve with --initial-cluster.
    /// </summary>
    public static (IReadOnlyList<HostedMember> Members, IReadOnlyList<RestoreProblem> Problems) Pair(
        IReadOnlyList<(string Name, IReadOnlyList<string> PeerUrls)> members, IReadOnlyList<string> controlPlaneNodes)
    {
        var hosted = new List<HostedMember>();
        var problems = new List<RestoreProblem>();
        var nodesLeft = controlPlaneNodes.ToList();
        var membersLeft = new List<(string Name, IReadOnlyList<string> PeerUrls)>();
        foreach (var member in members)
        {
            if (nodesLeft.Remove(member.Name))
            {
                hosted.Add(new HostedMember(member.Name, member.Name, member.PeerUrls));
            }
            else
            {
                membersLeft.Add(member);
            }
        }

        if (membersLeft.Count == 1 && nodesLeft.Count == 1)
        {
            hosted.Add(new HostedMember(nodesLeft[0], membersLeft[0].Name, membersLeft[0].PeerUrls));
        }
        else if (membersLeft.Count > 0)
        {
            problems.Add(new("members", $"cannot tell which control-plane node hosts member(s) {string.Join(", ", membersLeft.Select(m => m.Name))}",
                "pass --initial-cluster NODE=PEER-URL,... with the member names of the nodes"));
        }

        return (hosted, problems);
    }

    /// <summary>
    /// Who hosts which member: --initial-cluster, else etcd's member list paired with the control-plane nodes (each
    /// member on the node of its name when there is no cluster); with etcd down mid-restore, the journal's members.
    /// </summary>
    public static async Task<(IReadOnlyList<HostedMember> Hosted, IReadOnlyList<RestoreProblem> Problems)> HostedAsync(
        string? initialCluster, EtcdConnectionOptions etcd, KubernetesClientConfiguration? kube, ClusterRestoreJournal? journal, CancellationToken cancellationToken)
    {
        if (initialCluster is not null)
        {
            return (FromInitialCluster(initialCluster), []);
        }

        IReadOnlyList<(string Name, IReadOnlyList<string> PeerUrls)> members;
        try
        {
            members = await MembersAsync(etcd, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Grpc.Core.RpcException or PitcrewException)
        {
            if (journal is not null && journal.Members.Count > 0)
            {
                // etcd is down mid-restore: the journal remembers who hosts what.
                return (journal.HostedMembers(), []);
            }

            var hint = journal is null ? "pass --initial-cluster NODE=PEER-URL,..." : "etcd is down mid-restore: pass the same --initial-cluster as the journal's members "
                + string.Join(',', journal.Members);
            return ([], [new RestoreProblem("members", $"cannot list etcd's members at {string.Join(',', etcd.Endpoints)}: {e.Message}", hint)]);
        }

        var nodes = new List<string>();
        if (kube is not null)
        {
            using var client = KubeAccess.Connect(kube);
            var list = await client.CoreV1.ListNodeAsync(labelSelector: "node-role.kubernetes.io/control-plane", cancellationToken: cancellationToken).ConfigureAwait(false);
            nodes.AddRange(list.Items.Select(n => n.Metadata.Name).Order(StringComparer.Ordinal));
        }

        return nodes.Count == 0
            ? ([.. members.Select(m => new HostedMember(m.Name, m.Name, m.PeerUrls))], [])
            : Pair(members, nodes);
    }

    /// <summary>etcd's member list as (name, peer URLs).</summary>
    public static async Task<IReadOnlyList<(string Name, IReadOnlyList<string> PeerUrls)>> MembersAsync(EtcdConnectionOptions options, CancellationToken cancellationToken)
    {
        using var client = new EtcdEndpointClient(options, options.Endpoints[0]);
        var members = await client.MembersAsync(cancellationToken).ConfigureAwait(false);
        return [.. members.Select(m => (m.Name, (IReadOnlyList<string>)[.. m.PeerURLs]))];
    }
}
