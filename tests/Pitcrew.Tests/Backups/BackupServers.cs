using Pitcrew.Backups.Crypto;
using Pitcrew.Testing.Backups;

namespace Pitcrew.Tests.Backups;

/// <summary>The backup servers with 300 padded pods and a kubeadm-config, shared by the backup tests of a class.</summary>
public sealed class BackupServers() : BackupServersFixture("pitcrew-backups-", Seed), IAsyncLifetime
{
    public const int Pods = 300;

    private static readonly BackupServersSeed Seed = new(
        Pods,
        i => $"{{\"kind\":\"Pod\",\"n\":{i},\"pad\":\"{new string('x', 2000)}\"}}",
        [("/registry/configmaps/kube-system/kubeadm-config", "{\"kind\":\"ConfigMap\"}")]);

    internal BackupKey Key { get; } = BackupKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

    public ValueTask InitializeAsync() => StartAsync(TestContext.Current.CancellationToken);
}
