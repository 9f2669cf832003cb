using System.Globalization;
using System.Text.RegularExpressions;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests.Backups;

public sealed partial class BackupRunTests(BackupCliServers servers) : IClassFixture<BackupCliServers>
{
    [Fact]
    public async Task Run_OnAnEmptyStore_BacksUpAtOnce_ServesMetrics_AndStopsCleanlyOnSigterm()
    {
        var store = servers.NewFileStore();
        var environment = new Dictionary<string, string>(BackupCliServers.Environment) { ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints };
        await using var run = PitcrewProcess.Start(environment,
            "etcd", "backup", "run", "--store", store, "--schedule", "0 0 1 1 *", "--compress", "--metrics-addr", "127.0.0.1:0", "--keep-last", "3");

        var serving = await run.WaitForLineAsync("serving metrics on ", TimeSpan.FromSeconds(60));
        await run.WaitForLineAsync("created and verified", TimeSpan.FromSeconds(60));
        var url = Url().Match(serving).Value;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = await http.GetStringAsync(url, TestContext.Current.CancellationToken);

        Assert.Contains("pitcrew_backup_kept 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pitcrew_backup_failures_total 0\n", metrics, StringComparison.Ordinal);
        var lastSuccess = double.Parse(Regex.Match(metrics, @"^pitcrew_backup_last_success_timestamp_seconds (\S+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0) - lastSuccess, 0, 120);
        Assert.Matches(@"pitcrew_backup_last_size_bytes [1-9]", metrics);

        Assert.Equal(ExitCodes.Ok, await run.TerminateAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("stopped", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("pitcrew-backup.lock", Directory.EnumerateFiles(new Uri(store).LocalPath).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Run_OnAStoreWithAFreshBackup_ExportsThatBackupAsTheLastSuccessBeforeItsFirstRun()
    {
        var store = servers.NewFileStore();
        var environment = new Dictionary<string, string>(BackupCliServers.Environment) { ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints };
        var create = await CliRun.InvokeAsync(environment, "etcd", "backup", "create", "--store", store, "-o", "json");
        Assert.True(create.ExitCode == ExitCodes.Ok, create.Stderr);
        using var created = System.Text.Json.JsonDocument.Parse(create.Stdout);
        var manifest = created.RootElement.GetProperty("manifest");
        var completedAt = manifest.GetProperty("completedAt").GetDateTimeOffset();
        var storedSize = manifest.GetProperty("stored").GetProperty("size").GetInt64();

        // Yearly: the fresh backup is within one period, so the scheduler waits instead of running at start.
        await using var run = PitcrewProcess.Start(environment,
            "etcd", "backup", "run", "--store", store, "--schedule", "0 0 1 1 *", "--metrics-addr", "127.0.0.1:0");
        var serving = await run.WaitForLineAsync("serving metrics on ", TimeSpan.FromSeconds(60));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = await http.GetStringAsync(Url().Match(serving).Value, TestContext.Current.CancellationToken);

        var lastSuccess = double.Parse(Regex.Match(metrics, @"^pitcrew_backup_last_success_timestamp_seconds (\S+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(completedAt.ToUnixTimeMilliseconds() / 1000.0, lastSuccess, 3);
        Assert.Contains($"pitcrew_backup_last_size_bytes {storedSize}\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pitcrew_backup_runs_total 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("pitcrew_backup_kept 1\n", metrics, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Ok, await run.TerminateAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Run_WithABadSchedule_ExitsUsage()
    {
        var run = await CliRun.InvokeAsync(BackupCliServers.Environment, "etcd", "backup", "run", "--store", servers.NewFileStore(), "--schedule", "every hour");
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--schedule \"every hour\"", run.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+/metrics")]
    private static partial Regex Url();
}
