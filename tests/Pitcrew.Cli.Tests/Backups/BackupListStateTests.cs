using System.Text.Json;
using Pitcrew.Backups;
using Pitcrew.Backups.Stores;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Cli.Tests.Backups;

/// <summary>backup list says what is wrong with an object and which retention policy it applied, on file:// and s3:// (s3rver).</summary>
public sealed class BackupListStateTests(BackupCliServers servers) : IClassFixture<BackupCliServers>
{
    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task List_OfACutOffObjectAndADeletedOne_SaysTruncatedWithBothSizesAndMissing(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        var store = NewStore(kind);
        await CreateAsync(store, 2);
        using var raw = Open(store);
        var entries = await BackupCatalog.ListAsync(raw, ct);
        var cut = entries[0].Manifest;
        var gone = entries[1].Manifest;
        await raw.PutSmallAsync(cut.Stored.Key, new byte[512], ct);
        await raw.DeleteAsync(gone.Stored.Key, ct);

        var table = await RunAsync(["etcd", "backup", "list", .. Flags(store)]);
        var json = await RunAsync(["etcd", "backup", "list", .. Flags(store), "-o", "json"]);

        Assert.True(table.ExitCode == ExitCodes.Ok, table.Stderr);
        Assert.Contains($"object truncated: 512 of {cut.Stored.Size:N0} bytes", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("object missing", table.Stdout, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Stdout);
        var checks = document.RootElement.GetProperty("backups").EnumerateArray().Select(b => b.GetProperty("objectCheck")).ToList();
        Assert.Equal(("wrong-size", 512L, cut.Stored.Size), (checks[0].GetProperty("state").GetString(), checks[0].GetProperty("size").GetInt64(), checks[0].GetProperty("expectedSize").GetInt64()));
        Assert.Equal("missing", checks[1].GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, checks[1].GetProperty("size").ValueKind);
    }

    [Fact]
    public async Task List_ByAUserWhoMayNotReadTheObject_SaysUnreadableRatherThanMissing()
    {
        // Tests run as root, which reads any file: the unprivileged account scripts/setup.sh adds runs the real binary.
        const string User = TestAccounts.NoSudo;
        Assert.True(TestAccounts.Exists(User), TestAccounts.Missing(User));
        var ct = TestContext.Current.CancellationToken;
        var parent = Directory.CreateTempSubdirectory("pitcrew-cli-unreadable-").FullName;
        try
        {
            const UnixFileMode Traverse = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(parent, Traverse);
            var store = Path.Combine(parent, "store");
            await CreateAsync(store, 1);
            File.SetUnixFileMode(store, Traverse);
            var manifest = Assert.Single(Directory.EnumerateFiles(store, "*.manifest.json"));
            File.SetUnixFileMode(manifest, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(
                "runuser", ["-u", User, "--", Path.Combine(AppContext.BaseDirectory, "pitcrew"), "etcd", "backup", "list", "--store", store],
                TimeSpan.FromSeconds(60), ct);

            Assert.True(exitCode == ExitCodes.Ok, stderr);
            Assert.Contains("object unreadable (permission denied)", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("object missing", stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    }

    [Theory]
    [InlineData("file")]
    [InlineData("s3")]
    public async Task List_AfterPruneKeepLast2_AppliesThePolicyPruneStoredAndSaysWhereItCameFrom(string kind)
    {
        var store = NewStore(kind);
        await CreateAsync(store, 4);
        var prune = await RunAsync(["etcd", "backup", "prune", .. Flags(store), "--keep-last", "2"]);
        Assert.True(prune.ExitCode == ExitCodes.Ok, prune.Stderr);
        Assert.Contains("deleted 2, kept 2", prune.Stdout, StringComparison.Ordinal);

        var list = await RunAsync(["etcd", "backup", "list", .. Flags(store)]);
        var json = await RunAsync(["etcd", "backup", "list", .. Flags(store), "-o", "json"]);

        Assert.DoesNotContain("not kept", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("policy: keep the last 2 backups", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("pitcrew-retention.json by backup prune at ", list.Stdout, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal("store", document.RootElement.GetProperty("policySource").GetString());
        Assert.All(document.RootElement.GetProperty("backups").EnumerateArray(), b => Assert.Contains("last 2", b.GetProperty("keptBy")[0].GetString(), StringComparison.Ordinal));

        // A policy on the command line wins for this listing and leaves the stored one alone.
        var flagged = await RunAsync(["etcd", "backup", "list", .. Flags(store), "--keep-last", "1", "-o", "json"]);
        using var flaggedDocument = JsonDocument.Parse(flagged.Stdout);
        Assert.Equal("command-line", flaggedDocument.RootElement.GetProperty("policySource").GetString());
        Assert.Single(flaggedDocument.RootElement.GetProperty("backups").EnumerateArray(), b => !b.GetProperty("keep").GetBoolean());
        var again = await RunAsync(["etcd", "backup", "prune", .. Flags(store), "--dry-run"]);
        Assert.Contains("would delete 0, keep 2", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("(from stored in ", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_OfAStoreNothingWasPrunedIn_SaysItAppliesTheDefault()
    {
        var store = NewStore("file");
        await CreateAsync(store, 1);

        var list = await RunAsync("etcd", "backup", "list", "--store", store);

        Assert.Contains("policy: keep 7 daily, 4 weekly, 12 monthly backups", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("(from the default (no policy stored in ", list.Stdout, StringComparison.Ordinal);
    }

    private string NewStore(string kind) => kind == "s3" ? S3Fixture.NewStore() : servers.NewFileStore();

    private string[] Flags(string store) => store.StartsWith("s3://", StringComparison.Ordinal)
        ? ["--store", store, "--s3-endpoint", servers.S3.Endpoint]
        : ["--store", store];

    private IBackupStore Open(string store) => BackupStores.Open(
        new StoreOptions(BackupStoreUrl.Parse(store), servers.S3.Endpoint, name => BackupCliServers.Environment.GetValueOrDefault(name)), TimeProvider.System);

    private async Task CreateAsync(string store, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var create = await RunAsync(["etcd", "backup", "create", .. Flags(store)]);
            Assert.True(create.ExitCode == ExitCodes.Ok, create.Stderr);
        }
    }

    private Task<CliRun> RunAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string>(BackupCliServers.Environment) { ["ETCDCTL_ENDPOINTS"] = servers.Etcd.Endpoints }, args);
}
