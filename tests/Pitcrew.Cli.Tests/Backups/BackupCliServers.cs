using Pitcrew.Testing.Backups;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>The backup servers with 200 named pods, shared by the backup command tests of a class.</summary>
public sealed class BackupCliServers() : BackupServersFixture("pitcrew-backup-cli-", Seed), IAsyncLifetime
{
    public const int Pods = 200;

    private static readonly BackupServersSeed Seed = new(Pods, i => $"{{\"kind\":\"Pod\",\"metadata\":{{\"name\":\"pod-{i}\"}}}}", []);

    public ValueTask InitializeAsync() => StartAsync(TestContext.Current.CancellationToken);
}
