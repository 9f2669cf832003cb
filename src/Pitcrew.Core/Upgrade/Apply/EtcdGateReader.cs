using Pitcrew.Etcd;

namespace Pitcrew.Upgrade.Apply;

/// <summary>What the etcd gate reads: the stacked members, named after their nodes, each with its status.</summary>
internal interface IEtcdMembersApi
{
    Task<IReadOnlyList<EtcdMemberState>> ReadMembersAsync(CancellationToken cancellationToken);
}

/// <summary>The cluster's etcd as <see cref="ClusterEtcd"/> found it: the member list through any member that answers, then each member's own status.</summary>
internal sealed class ClusterEtcdMembers(EtcdConnectionOptions options, IReadOnlyList<EtcdPod> pods) : IEtcdMembersApi
{
    /// <summary>Per request, unless etcd's flags say otherwise: the gates poll often, and a member that does not answer is a finding, not a wait.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private readonly EtcdConnectionOptions _options = options with { CommandTimeout = options.CommandTimeout ?? RequestTimeout };

    public async Task<IReadOnlyList<EtcdMemberState>> ReadMembersAsync(CancellationToken cancellationToken) =>
        EtcdMembers.Name(await EtcdEndpoints.MembersAsync(_options, cancellationToken).ConfigureAwait(false), pods);
}

/// <summary>The health gates' read of the cluster's objects with the etcd members beside them.</summary>
internal sealed class EtcdGateReader(IGateApi cluster, IEtcdMembersApi etcd) : IGateApi
{
    public async Task<GateFacts> ReadGateFactsAsync(CancellationToken cancellationToken)
    {
        var members = etcd.ReadMembersAsync(cancellationToken);
        var facts = await cluster.ReadGateFactsAsync(cancellationToken).ConfigureAwait(false);
        return facts with { Etcd = await members.ConfigureAwait(false) };
    }
}
