using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Restore;

/// <summary>A small real snapshot (Kubernetes-like and plain keys) shared by the restore command tests.</summary>
public sealed class CliSnapshot : IAsyncLifetime
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("pitcrew-cli-restore-src-").FullName;

    public string Path => System.IO.Path.Combine(Directory, "snap.db");

    public async ValueTask InitializeAsync()
    {
        var token = TestContext.Current.CancellationToken;
        await using var etcd = await EtcdFixture.StartAsync(cancellationToken: token).WaitAsync(TimeSpan.FromSeconds(60), token);
        for (var i = 0; i < 40; i++)
        {
            await etcd.PutAsync($"/registry/configmaps/default/cm-{i}", $"data {i}");
        }

        await etcd.PutAsync("/app/setting", "on");
        var saved = await etcd.RunEtcdctlAsync(["snapshot", "save", Path], cancellationToken: token);
        Assert.True(saved.ExitCode == 0, saved.Stderr);
    }

    public ValueTask DisposeAsync()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
        return ValueTask.CompletedTask;
    }
}
