using Pitcrew.Backups;
using Pitcrew.Backups.Retention;
using Pitcrew.Backups.Stores;

namespace Pitcrew.Tests.Backups;

public sealed class BackupSchedulerTests(BackupServers servers) : IClassFixture<BackupServers>
{
    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task TwoSchedulers_OnOneStore_NeverRunAtOnce(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        var url = kind == "s3"
            ? BackupStoreUrl.Parse(Pitcrew.Testing.S3Fixture.NewStore())
            : BackupStoreUrl.Parse("file://" + Path.Combine(servers.Root, "sched-" + Guid.NewGuid().ToString("N")));
        var active = 0;
        var maxActive = 0;
        var runs = 0;
        async Task Checkpoint(BackupPhase phase, CancellationToken token)
        {
            if (phase == BackupPhase.Snapshot)
            {
                var now = Interlocked.Increment(ref active);
                InterlockedMax(ref maxActive, now);
                Interlocked.Increment(ref runs);
                // Widen the window in which a second run would overlap.
                await Task.Delay(300, token);
            }
            else if (phase == BackupPhase.Manifest)
            {
                Interlocked.Decrement(ref active);
            }
        }

        // The lock is under test, not the dial: a loaded CI machine once took over the default 2 s to connect.
        var etcd = servers.Etcd.Connection() with { DialTimeout = TimeSpan.FromSeconds(15) };
        var create = new BackupCreateOptions(etcd, [], BackupCompression.Zstd, null, servers.Root, Checkpoint);
        var options = new BackupScheduleOptions("* * * * * *", TimeZoneInfo.Utc, create, RetentionRequest.Of(new RetentionPolicy { KeepLast = 2 }));
        var logs = new List<string>();
        var metrics = new[] { new BackupMetrics(), new BackupMetrics() };
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var schedulers = metrics.Select(m => Task.Run(async () =>
        {
            using var store = BackupStores.Open(new StoreOptions(url, servers.S3.Endpoint, n => Pitcrew.Testing.S3Fixture.Credentials.GetValueOrDefault(n)), TimeProvider.System);
            await new BackupScheduler(store, options, m, TimeProvider.System, line =>
            {
                lock (logs)
                {
                    logs.Add(line);
                }
            }).RunAsync(stop.Token);
        }, ct)).ToList();

        // Until both have ticked a few times (every second); bounded for a loaded machine.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref runs) < 4 && watch.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(100, ct);
        }

        await stop.CancelAsync();
        await Task.WhenAll(schedulers).WaitAsync(TimeSpan.FromSeconds(30), ct);

        Assert.Equal(1, maxActive);
        Assert.True(runs >= 4, $"{runs} runs in {watch.Elapsed.TotalSeconds:0} s: " + string.Join(" | ", logs));
        Assert.False(logs.Any(l => l.Contains("failed", StringComparison.Ordinal)), string.Join("\n", logs));
        var rendered = string.Join("\n", metrics.Select(m => m.Render()));
        Assert.Contains("pitcrew_backup_failures_total 0", rendered, StringComparison.Ordinal);
        Assert.Contains(logs, l => l.Contains("skipped this run", StringComparison.Ordinal) || l.Contains("created and verified", StringComparison.Ordinal));
        using var check = BackupStores.Open(new StoreOptions(url, servers.S3.Endpoint, n => Pitcrew.Testing.S3Fixture.Credentials.GetValueOrDefault(n)), TimeProvider.System);
        // Two kept by the policy, plus one when the stop came between a manifest and its prune.
        Assert.InRange((await BackupCatalog.ListAsync(check, ct)).Count, 1, 3);
        Assert.Null(await check.StatAsync(BackupNames.LockName, ct));
    }

    [Fact]
    public void Metrics_RenderThePrometheusTextFormat()
    {
        var metrics = new BackupMetrics();
        metrics.Succeeded(DateTimeOffset.FromUnixTimeSeconds(1_795_000_000), TimeSpan.FromSeconds(2.5), 12345, 7);
        metrics.Failed();
        var text = metrics.Render();
        Assert.Contains("# TYPE pitcrew_backup_last_success_timestamp_seconds gauge\npitcrew_backup_last_success_timestamp_seconds 1795000000\n", text, StringComparison.Ordinal);
        Assert.Contains("pitcrew_backup_last_duration_seconds 2.5\n", text, StringComparison.Ordinal);
        Assert.Contains("pitcrew_backup_last_size_bytes 12345\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE pitcrew_backup_failures_total counter\npitcrew_backup_failures_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("pitcrew_backup_kept 7\n", text, StringComparison.Ordinal);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
