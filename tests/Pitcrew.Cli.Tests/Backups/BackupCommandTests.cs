using System.Text.Json;
using Pitcrew.Errors;
using Pitcrew.Etcd;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Backups;

public sealed class BackupCommandTests(BackupCliServers servers) : IClassFixture<BackupCliServers>
{
    [Fact]
    public async Task CreateListVerifyGet_OnAFileStoreWithCompressionAndEncryption_GivesASnapshotEtcdRestoresAndServes()
    {
        var store = servers.NewFileStore();
        var create = await RunAsync("etcd", "backup", "create", "--store", store, "--compress", "--encrypt-key-file", servers.KeyFile, "--tag", "manual");
        Assert.Equal(ExitCodes.Ok, create.ExitCode);
        Assert.Contains("zstd, encrypted", create.Stdout, StringComparison.Ordinal);

        var list = await RunAsync("etcd", "backup", "list", "--store", store, "-o", "json");
        using var json = JsonDocument.Parse(list.Stdout);
        var backup = Assert.Single(json.RootElement.GetProperty("backups").EnumerateArray());
        var name = backup.GetProperty("name").GetString()!;
        Assert.Equal("manual", Assert.Single(backup.GetProperty("tags").EnumerateArray()).GetString());
        Assert.Contains("newest verified backup", backup.GetProperty("keptBy").EnumerateArray().Select(r => r.GetString()).Last(), StringComparison.Ordinal);

        var verify = await RunAsync("etcd", "backup", "verify", name, "--store", store, "--encrypt-key-file", servers.KeyFile);
        Assert.Equal(ExitCodes.Ok, verify.ExitCode);
        Assert.Contains(": OK", verify.Stdout, StringComparison.Ordinal);
        Assert.Contains($"pods {BackupCliServers.Pods}", verify.Stdout, StringComparison.Ordinal);

        var file = Path.Combine(servers.Root, $"restore-{Guid.NewGuid():N}.db");
        var get = await RunAsync("etcd", "backup", "get", "latest", file, "--store", store, "--encrypt-key-file", servers.KeyFile);
        Assert.Equal(ExitCodes.Ok, get.ExitCode);

        var dataDir = Path.Combine(servers.Root, $"restored-{Guid.NewGuid():N}");
        var restore = await EtcdFixture.RunEtcdctlOfflineAsync(["snapshot", "restore", file, "--data-dir", dataDir], TestContext.Current.CancellationToken);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        await using var restored = await LocalEtcd.StartAsync(dataDir, "default", TimeProvider.System, TestContext.Current.CancellationToken);
        var read = await servers.Etcd.RunEtcdctlAsync(["get", "/registry/pods/default/pod-7", "--print-value-only"], restored.ClientUrl, TestContext.Current.CancellationToken);
        Assert.Equal("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"pod-7\"}}", read.Stdout.Trim());
    }

    [Fact]
    public async Task CreateListVerify_OnS3rver_RoundTrips()
    {
        var store = S3Fixture.NewStore();
        var create = await RunAsync("etcd", "backup", "create", "--store", store, "--s3-endpoint", servers.S3.Endpoint, "--compress", "gzip", "-o", "json");
        Assert.Equal(ExitCodes.Ok, create.ExitCode);
        using var created = JsonDocument.Parse(create.Stdout);
        var name = created.RootElement.GetProperty("manifest").GetProperty("name").GetString()!;

        var list = await RunAsync("etcd", "backup", "list", "--store", store, "--s3-endpoint", servers.S3.Endpoint);
        Assert.Contains(name, list.Stdout, StringComparison.Ordinal);
        var verify = await RunAsync("etcd", "backup", "verify", "latest", "--store", store, "--s3-endpoint", servers.S3.Endpoint);
        Assert.Equal(ExitCodes.Ok, verify.ExitCode);
    }

    [Fact]
    public async Task Verify_WithDrill_RestoresTheBackupIntoATemporaryEtcdAndComparesWhatItServes()
    {
        var store = servers.NewFileStore();
        Assert.Equal(ExitCodes.Ok, (await RunAsync("etcd", "backup", "create", "--store", store, "--compress", "--encrypt-key-file", servers.KeyFile)).ExitCode);

        var drill = await RunAsync("etcd", "backup", "verify", "latest", "--drill", "--store", store, "--encrypt-key-file", servers.KeyFile, "-o", "json");
        Assert.True(drill.ExitCode == ExitCodes.Ok, drill.Stderr + drill.Stdout);
        using var json = JsonDocument.Parse(drill.Stdout);
        Assert.True(json.RootElement.GetProperty("drill").GetProperty("ok").GetBoolean());
        var checks = json.RootElement.GetProperty("drill").GetProperty("checks").EnumerateArray().ToList();
        Assert.Contains(checks, c => c.GetProperty("name").GetString()!.Contains("HashKV", StringComparison.OrdinalIgnoreCase));
        Assert.All(checks, c => Assert.True(c.GetProperty("ok").GetBoolean(), c.ToString()));
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("backup").GetProperty("manifest").GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("tampered", ExitCodes.Corrupt, "tampered")]
    [InlineData("truncated", ExitCodes.Truncated, "truncated")]
    [InlineData("wrong key", ExitCodes.TlsOrAuth, "wrong key")]
    [InlineData("no key", ExitCodes.Usage, "pass --encrypt-key-file")]
    public async Task VerifyAndGet_OfABadBackup_FailWithADistinctMessageAndWriteNothing(string fault, int exitCode, string message)
    {
        var store = servers.NewFileStore();
        Assert.Equal(0, (await RunAsync("etcd", "backup", "create", "--store", store, "--encrypt-key-file", servers.KeyFile)).ExitCode);
        var directory = new Uri(store).LocalPath;
        var data = Directory.EnumerateFiles(directory, "*.enc").Single();
        var bytes = await File.ReadAllBytesAsync(data, TestContext.Current.CancellationToken);
        if (fault == "tampered")
        {
            bytes[bytes.Length / 2] ^= 0x40;
        }
        else if (fault == "truncated")
        {
            bytes = bytes[..^100];
        }

        await File.WriteAllBytesAsync(data, bytes, TestContext.Current.CancellationToken);
        string[] key = fault switch
        {
            "wrong key" => ["--encrypt-key-file", servers.OtherKeyFile],
            "no key" => [],
            _ => ["--encrypt-key-file", servers.KeyFile],
        };

        var verify = await RunAsync(["etcd", "backup", "verify", "latest", "--store", store, .. key]);
        Assert.Equal(exitCode, verify.ExitCode);
        Assert.Contains(message, verify.Stderr, StringComparison.Ordinal);

        var file = Path.Combine(servers.Root, $"bad-{Guid.NewGuid():N}.db");
        var get = await RunAsync(["etcd", "backup", "get", "latest", file, "--store", store, .. key]);
        Assert.Equal(exitCode, get.ExitCode);
        Assert.Empty(Directory.EnumerateFiles(servers.Root, Path.GetFileName(file) + "*"));
    }

    [Fact]
    public async Task Create_WithS3Unreachable_RetriesThenExitsUnavailableWithOneClearLine()
    {
        var closed = $"http://127.0.0.1:{FreePorts.Next()}";
        var run = await RunAsync("etcd", "backup", "create", "--store", S3Fixture.NewStore(), "--s3-endpoint", closed);
        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.Contains("failed after 5 attempts", run.Stderr, StringComparison.Ordinal);
        Assert.Single(run.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Prune_PrintsEveryDecisionWithItsReason_AndDryRunDeletesNothing()
    {
        var store = servers.NewFileStore();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await RunAsync("etcd", "backup", "create", "--store", store)).ExitCode);
        }

        var dry = await RunAsync("etcd", "backup", "prune", "--store", store, "--keep-last", "1", "--dry-run");
        Assert.Equal(ExitCodes.Ok, dry.ExitCode);
        Assert.Equal(2, dry.Stdout.Split('\n').Count(l => l.StartsWith("delete ", StringComparison.Ordinal)));
        Assert.Contains("dry run: would delete 2, keep 1", dry.Stdout, StringComparison.Ordinal);

        var prune = await RunAsync("etcd", "backup", "prune", "--store", store, "--keep-last", "1");
        Assert.Contains("deleted 2, kept 1", prune.Stdout, StringComparison.Ordinal);
        var files = Directory.EnumerateFiles(new Uri(store).LocalPath).Select(Path.GetFileName).ToList();
        Assert.Equal(2, files.Count(f => f!.StartsWith("etcd-", StringComparison.Ordinal)));
        Assert.Contains("pitcrew-retention.json", files);
    }

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRun.InvokeAsync(
            new Dictionary<string, string>(BackupCliServers.Environment) { ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints },
            args);
}
