using Pitcrew.Testing;

namespace Pitcrew.Tests.Testing;

public sealed class EtcdFixtureTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Dispose_KillsEveryMemberAndRemovesItsDirectory()
    {
        var token = TestContext.Current.CancellationToken;
        var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Members: 3), token).WaitAsync(Bound, token);
        var pids = etcd.Members.Select(m => m.Pid).ToList();
        Assert.All(etcd.Members, m => Assert.True(m.IsRunning));
        await etcd.DisposeAsync();
        Assert.All(pids, pid => Assert.False(File.Exists($"/proc/{pid}/cmdline") && File.ReadAllText($"/proc/{pid}/cmdline").Contains("etcd", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(etcd.RootDirectory));
    }

    [Fact]
    public async Task Start_WithTls_RejectsClientsWithoutCertificate()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(new EtcdFixtureOptions(Tls: true), token).WaitAsync(Bound, token);
        var withCert = await etcd.RunEtcdctlAsync(["put", "k", "v"], cancellationToken: token);
        Assert.True(withCert.ExitCode == 0, withCert.Stderr);
        var withoutCert = await EtcdFixture.RunEtcdctlOfflineAsync(
            ["--endpoints", etcd.Endpoint, "--cacert", etcd.Certificates!.CaCertPath, "--command-timeout=2s", "get", "k"], token);
        Assert.NotEqual(0, withoutCert.ExitCode);
    }
}
