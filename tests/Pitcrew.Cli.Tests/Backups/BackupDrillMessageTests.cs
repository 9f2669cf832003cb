using System.Text.Json;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>A drill of a stored backup names that backup and its store, not the temporary file it restored from.</summary>
public sealed class BackupDrillMessageTests(BackupCliServers servers) : IClassFixture<BackupCliServers>
{
    [Fact]
    public async Task VerifyDrill_Passing_NamesTheBackupAndTheStore()
    {
        var store = servers.NewFileStore();
        var created = await RunAsync("etcd", "backup", "create", "--store", store, "-o", "json");
        Assert.True(created.ExitCode == ExitCodes.Ok, created.Stderr);
        using var manifest = JsonDocument.Parse(created.Stdout);
        var name = manifest.RootElement.GetProperty("manifest").GetProperty("name").GetString()!;

        var text = await RunAsync("etcd", "backup", "verify", "latest", "--drill", "--store", store);
        var json = await RunAsync("etcd", "backup", "verify", "latest", "--drill", "--store", store, "-o", "json");

        Assert.True(text.ExitCode == ExitCodes.Ok, text.Stderr + text.Stdout);
        Assert.Contains($"Drill passed: backup {name} in {store} restores;", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("pitcrew-verify-", text.Stdout, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(json.Stdout);
        Assert.Equal($"backup {name} in {store}", report.RootElement.GetProperty("drill").GetProperty("snapshot").GetString());
    }

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string>(BackupCliServers.Environment) { ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints }, args);
}
