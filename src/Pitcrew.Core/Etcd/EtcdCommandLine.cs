using System.Globalization;

namespace Pitcrew.Etcd;

/// <summary>The command line of one etcd member that Pitcrew starts itself (demo, simulator, tests).</summary>
/// <param name="InitialCluster">name=peerURL pairs of every member, comma-separated.</param>
/// <param name="Tls">Server certificate, key and client CA: https for clients with client-certificate auth.</param>
/// <param name="InitialClusterState">new for a member of a new cluster; existing for one added to a running cluster (member add) on an empty data dir.</param>
public sealed record EtcdCommandLine(
    string Name,
    string DataDir,
    string ClientUrl,
    string PeerUrl,
    string InitialCluster,
    string ClusterToken,
    EtcdServerTls? Tls = null,
    long? QuotaBackendBytes = null,
    string? LogFile = null,
    string InitialClusterState = "new")
{
    public IReadOnlyList<string> Arguments()
    {
        var args = new List<string>
        {
            "--name", Name, "--data-dir", DataDir,
            "--listen-client-urls", ClientUrl, "--advertise-client-urls", ClientUrl,
            "--listen-peer-urls", PeerUrl, "--initial-advertise-peer-urls", PeerUrl,
            "--initial-cluster", InitialCluster, "--initial-cluster-token", ClusterToken,
            "--initial-cluster-state", InitialClusterState, "--logger=zap", "--log-level=error",
        };
        if (LogFile is not null)
        {
            args.AddRange(["--log-outputs", LogFile]);
        }

        if (Tls is not null)
        {
            args.AddRange(["--client-cert-auth", "--trusted-ca-file", Tls.ClientCaFile, "--cert-file", Tls.CertFile, "--key-file", Tls.KeyFile]);
        }

        if (QuotaBackendBytes is { } quota)
        {
            args.AddRange(["--quota-backend-bytes", quota.ToString(CultureInfo.InvariantCulture)]);
        }

        return args;
    }
}

/// <summary>An etcd member's serving certificate and the CA its clients must present certificates from.</summary>
public sealed record EtcdServerTls(string CertFile, string KeyFile, string ClientCaFile);
