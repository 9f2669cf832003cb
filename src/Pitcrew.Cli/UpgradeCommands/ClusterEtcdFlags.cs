using Pitcrew.Cli.EtcdCommands;
using Pitcrew.Upgrade;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>The cluster's etcd for the upgrade commands: etcd's flags when they name endpoints, else what the cluster's etcd pods advertise (kubeadm's way).</summary>
internal static class ClusterEtcdFlags
{
    public static async Task<ClusterEtcdSource> ResolveAsync(ParseResult parse, CliContext context, KubeUpgradeApi api, CancellationToken cancellationToken)
    {
        var flags = EtcdConnectionFlags.Bind(parse, context.Environment);
        var given = parse.GetValue(EtcdConnectionFlags.Endpoints) is not null || context.Environment("ETCDCTL_ENDPOINTS") is not null;
        var pods = given ? [] : await api.ReadEtcdPodsAsync(cancellationToken).ConfigureAwait(false);
        return ClusterEtcd.Resolve(flags, given, pods, ClusterEtcd.KubeadmPki, File.Exists);
    }
}
