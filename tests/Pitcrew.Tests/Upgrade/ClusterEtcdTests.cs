using Pitcrew.Etcd;
using Pitcrew.Upgrade;

namespace Pitcrew.Tests.Upgrade;

/// <summary>Finding the cluster's etcd as kubeadm exposes it: the etcd pods' advertised client URLs and kubeadm's certificates; etcd's flags win.</summary>
public sealed class ClusterEtcdTests
{
    private static readonly EtcdConnectionOptions Defaults = new([EtcdConnectionOptions.DefaultEndpoint]);

    [Theory]
    [InlineData("kubeadm's annotation", "https://10.0.0.11:2379", null)]
    [InlineData("--flag=value on the command line", null, "--advertise-client-urls=https://10.0.0.11:2379")]
    [InlineData("--flag value on the command line", null, "--advertise-client-urls https://10.0.0.11:2379")]
    public void Urls_AreReadFromTheAnnotationOrTheCommandLine(string description, string? annotation, string? flag)
    {
        var pod = new EtcdPod("cp-1", annotation, ["etcd", "--data-dir=/var/lib/etcd", .. (flag?.Split(' ') ?? []), "--name=cp-1"]);
        Assert.True(ClusterEtcd.Urls(pod).SequenceEqual(["https://10.0.0.11:2379"]), description);
    }

    [Fact]
    public void TlsPods_GetKubeadmsCertificates_TheHealthCheckClientFirst_ThenTheApiServersClient()
    {
        var pods = new[] { Pod("cp-2", "https://10.0.0.12:2379"), Pod("cp-1", "https://10.0.0.11:2379") };
        var files = new HashSet<string>(StringComparer.Ordinal)
        {
            "/pki/etcd/ca.crt", "/pki/apiserver-etcd-client.crt", "/pki/apiserver-etcd-client.key",
        };

        var apiServerClient = ClusterEtcd.Resolve(Defaults, endpointsGiven: false, pods, "/pki", files.Contains);
        Assert.Null(apiServerClient.Problem);
        Assert.Equal(["https://10.0.0.11:2379", "https://10.0.0.12:2379"], apiServerClient.Options!.Endpoints);
        Assert.Equal(("/pki/etcd/ca.crt", "/pki/apiserver-etcd-client.crt", "/pki/apiserver-etcd-client.key"),
            (apiServerClient.Options.CaCert, apiServerClient.Options.Cert, apiServerClient.Options.Key));
        Assert.Equal("advertised by etcd-cp-1, etcd-cp-2, kubeadm's certificates", apiServerClient.Origin);

        files.UnionWith(["/pki/etcd/healthcheck-client.crt", "/pki/etcd/healthcheck-client.key"]);
        Assert.Equal("/pki/etcd/healthcheck-client.crt", ClusterEtcd.Resolve(Defaults, false, pods, "/pki", files.Contains).Options!.Cert);
    }

    [Fact]
    public void TlsPods_WithoutCertificatesHere_SayWhichFilesAreMissingAndWhatToPass()
    {
        var source = ClusterEtcd.Resolve(Defaults, false, [Pod("cp-1", "https://10.0.0.11:2379")], "/pki", _ => false);
        Assert.Null(source.Options);
        Assert.Contains("/pki/etcd/ca.crt", source.Problem, StringComparison.Ordinal);
        Assert.EndsWith("pass --cacert, --cert and --key", source.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFlagsCertificates_AreKept_WithThePodsEndpoints()
    {
        var flags = Defaults with { CaCert = "ca.crt", Cert = "c.crt", Key = "c.key" };
        var source = ClusterEtcd.Resolve(flags, false, [Pod("cp-1", "https://10.0.0.11:2379")], "/pki", _ => false);
        Assert.Equal(["https://10.0.0.11:2379"], source.Options!.Endpoints);
        Assert.Equal("ca.crt", source.Options.CaCert);
    }

    [Fact]
    public void ExplicitEndpoints_Win_AndNoEtcdPodIsAProblemThatSaysSo()
    {
        var flags = Defaults with { Endpoints = ["http://127.0.0.1:40000"] };
        Assert.Same(flags, ClusterEtcd.Resolve(flags, endpointsGiven: true, [Pod("cp-1", "https://10.0.0.11:2379")], "/pki", _ => true).Options);

        var none = ClusterEtcd.Resolve(Defaults, false, [], "/pki", _ => true);
        Assert.Null(none.Options);
        Assert.StartsWith("no etcd endpoints: none given and kube-system has no etcd pod", none.Problem, StringComparison.Ordinal);
    }

    private static EtcdPod Pod(string node, string url) => new(node, null, ["etcd", $"--advertise-client-urls={url}", $"--name={node}"]);
}
