using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>pitcrew killed (SIGKILL) at each phase of a backup: nothing partial is listed, and the next create succeeds and cleans up.</summary>
public sealed class BackupCrashTests(BackupCliServers servers) : IClassFixture<BackupCliServers>
{
    [Theory]
    [InlineData("file", "snapshot")]
    [InlineData("file", "upload")]
    [InlineData("file", "manifest")]
    [InlineData("s3", "manifest")]
    public async Task Create_KilledMidway_LeavesNothingListed_AndTheNextCreateSucceedsAndCleansUp(string kind, string phase)
    {
        var store = kind == "s3" ? S3Fixture.NewStore() : servers.NewFileStore();
        var workDir = Path.Combine(servers.Root, "work-" + Guid.NewGuid().ToString("N"));
        string[] storeArgs = ["--store", store, "--s3-endpoint", servers.S3.Endpoint];
        var environment = new Dictionary<string, string>(BackupCliServers.Environment)
        {
            ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints,
            ["PITCREW_BACKUP_PAUSE_AT"] = phase,
        };

        await using (var child = PitcrewProcess.Start(environment, ["etcd", "backup", "create", "--work-dir", workDir, "--compress", "--encrypt-key-file", servers.KeyFile, .. storeArgs]))
        {
            await child.WaitForLineAsync("paused at " + phase, TimeSpan.FromSeconds(60));
            await child.KillAsync();
        }

        var env = new Dictionary<string, string>(BackupCliServers.Environment) { ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints };
        var list = await CliRun.InvokeAsync(env, ["etcd", "backup", "list", "-o", "json", .. storeArgs]);
        Assert.True(list.ExitCode == ExitCodes.Ok, list.Stderr);
        Assert.Contains("\"backups\": []", list.Stdout, StringComparison.Ordinal);
        Assert.NotEmpty(Directory.EnumerateFiles(workDir, "pitcrew-spool-*"));

        var create = await CliRun.InvokeAsync(env, ["etcd", "backup", "create", "--work-dir", workDir, "--compress", "--encrypt-key-file", servers.KeyFile, .. storeArgs]);
        Assert.True(create.ExitCode == ExitCodes.Ok, create.Stderr);
        if (phase != "snapshot")
        {
            Assert.Contains("leftover object(s) of interrupted runs", create.Stdout, StringComparison.Ordinal);
        }

        Assert.Empty(Directory.EnumerateFiles(workDir, "pitcrew-spool-*"));
        var after = await CliRun.InvokeAsync(env, ["etcd", "backup", "verify", "latest", "--encrypt-key-file", servers.KeyFile, .. storeArgs]);
        Assert.Equal(ExitCodes.Ok, after.ExitCode);
        if (kind == "file")
        {
            // The data object and its manifest; no .part, no orphan object, no lock.
            Assert.Equal(2, Directory.EnumerateFiles(new Uri(store).LocalPath).Count());
        }
        else
        {
            var objects = Directory.EnumerateFiles(servers.S3.Directory, "*_S3rver_object", SearchOption.AllDirectories)
                .Count(f => f.Contains(new Uri(store).AbsolutePath.TrimStart('/'), StringComparison.Ordinal));
            Assert.Equal(2, objects);
        }
    }
}
