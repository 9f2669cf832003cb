using System.Diagnostics;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>--store takes a plain or relative path, and a store that is not there is an error rather than an empty list.</summary>
public sealed class BackupStoreLocationTests(BackupCliServers servers) : IClassFixture<BackupCliServers>
{
    [Fact]
    public async Task CreateThenList_WithARelativeStore_FindTheSameBackupAsPlainPathFileUrlAndAbsolutePath()
    {
        var work = Directory.CreateDirectory(Path.Combine(servers.Root, "work-" + Guid.NewGuid().ToString("N"))).FullName;

        var create = await RunInAsync(work, "etcd", "backup", "create", "--store", "backups");
        Assert.True(create.ExitCode == ExitCodes.Ok, create.Stderr);
        var stored = Path.Combine(work, "backups");
        var name = Path.GetFileName(Assert.Single(Directory.EnumerateFiles(stored, "*.manifest.json")))[..^".manifest.json".Length];

        foreach (var store in new[] { "backups", "./backups/", "file://backups", stored, "file://" + stored })
        {
            var list = await RunInAsync(work, "etcd", "backup", "list", "--store", store);
            Assert.True(list.ExitCode == ExitCodes.Ok, $"{store}: {list.Stderr}");
            Assert.Contains(name, list.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("list")]
    [InlineData("verify", "latest")]
    [InlineData("get", "latest", "out.db")]
    [InlineData("prune")]
    public async Task ReadingCommands_OfAStoreThatDoesNotExist_ExitNotFoundAndSaySo(params string[] verb)
    {
        var missing = Path.Combine(servers.Root, "mistyped-" + Guid.NewGuid().ToString("N"));

        var run = await CliRun.InvokeAsync(BackupCliServers.Environment, ["etcd", "backup", .. verb, "--store", missing]);

        Assert.Equal(ExitCodes.FileNotFound, run.ExitCode);
        Assert.Contains($"no backup store there: {missing} does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task List_OfAnS3BucketThatDoesNotExist_ExitsNotFoundAndSaysSo()
    {
        var run = await CliRun.InvokeAsync(BackupCliServers.Environment,
            "etcd", "backup", "list", "--store", "s3://no-such-bucket/etcd", "--s3-endpoint", servers.S3.Endpoint);

        Assert.Equal(ExitCodes.FileNotFound, run.ExitCode);
        Assert.Contains("the bucket does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public async Task List_OfAnS3PrefixThatHoldsNothing_SaysSoAndHintsAtAMistypedStore()
    {
        var run = await CliRun.InvokeAsync(BackupCliServers.Environment,
            "etcd", "backup", "list", "--store", S3Fixture.NewStore(), "--s3-endpoint", servers.S3.Endpoint);

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("it holds no objects at all (a new store, or a mistyped --store?)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_OfAStoreThatIsAFile_ExitsNotFoundAndSaysItIsAFile()
    {
        var file = Path.Combine(servers.Root, "plain-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(file, "x", TestContext.Current.CancellationToken);

        var run = await CliRun.InvokeAsync(BackupCliServers.Environment, "etcd", "backup", "list", "--store", file);

        Assert.Equal(ExitCodes.FileNotFound, run.ExitCode);
        Assert.Contains("is a file, not a directory", run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The built executable in a working directory of the test's own, so a relative store resolves there.</summary>
    private async Task<CliRun> RunInAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "pitcrew")) { WorkingDirectory = workingDirectory };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints;
        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(start, TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
        return new CliRun(exitCode, stdout, stderr);
    }
}
