using Pitcrew.Backups;
using Pitcrew.Backups.Retention;
using Pitcrew.Backups.Stores;
using Pitcrew.Errors;
using Pitcrew.Testing;

namespace Pitcrew.Tests.Backups;

public sealed class BackupRoundTripTests(BackupServers servers) : IClassFixture<BackupServers>
{
    [Theory]
    [InlineData("file", "none", false)]
    [InlineData("file", "zstd", true)]
    [InlineData("file", "gzip", false)]
    [InlineData("s3", "none", false)]
    [InlineData("s3", "zstd", true)]
    [InlineData("s3", "gzip", true)]
    public async Task Create_ThenListAndFetch_GivesBackTheSnapshotWithTheManifestsFigures(string kind, string compression, bool encrypted)
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = OpenStore(kind);
        var options = new BackupCreateOptions(
            servers.Etcd.Connection(), ["manual"], BackupCompressions.Parse(compression), encrypted ? servers.Key : null, servers.Root);

        var created = await BackupJobs.CreateAsync(store, options, TimeSpan.FromSeconds(10), null, TimeProvider.System, ct);

        var manifest = created.Manifest;
        var listed = Assert.Single(await BackupCatalog.ListAsync(store, ct));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(BackupJson.Serialize(manifest)), System.Text.Encoding.UTF8.GetString(BackupJson.Serialize(listed.Manifest)));
        Assert.True(listed.ObjectPresent);
        Assert.Equal(await servers.Etcd.RevisionAsync(), manifest.Snapshot.Revision);
        Assert.Equal(BackupServers.Pods, manifest.Snapshot.RegistryKeys["pods"]);
        Assert.Equal(compression, manifest.Stored.Compression);
        Assert.Equal(encrypted ? servers.Key.Fingerprint : null, manifest.Stored.Encryption?.KeyFingerprint);
        Assert.NotEqual("0", manifest.Etcd.ClusterId);
        if (compression != "none")
        {
            Assert.True(manifest.Stored.Size < manifest.Snapshot.Size / 2, $"{manifest.Stored.Size} stored for {manifest.Snapshot.Size}");
        }

        var path = Path.Combine(servers.Root, $"fetched-{Guid.NewGuid():N}.db");
        var fetched = await BackupReader.FetchAsync(store, "latest", encrypted ? servers.Key : null, path, TimeProvider.System, ct);
        Assert.Equal(manifest.Snapshot.Revision, fetched.Status.Revision);
        Assert.Equal(manifest.Snapshot.Size, new FileInfo(path).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.True(fetched.Status.Trailer.Matches);
        Assert.Empty(Directory.EnumerateFiles(servers.Root, "pitcrew-spool-*"));
        File.Delete(path);
    }

    [Fact]
    public async Task Create_WithAnUnreachableS3_RetriesThenFailsClearlyWithUnavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        var url = BackupStoreUrl.Parse(S3Fixture.NewStore());
        var closed = $"http://127.0.0.1:{FreePorts.Next()}";
        using var store = BackupStores.Open(
            new StoreOptions(url, closed, name => S3Fixture.Credentials.GetValueOrDefault(name), Attempts: 3, FirstRetryDelay: TimeSpan.FromMilliseconds(20)),
            TimeProvider.System);
        var options = new BackupCreateOptions(servers.Etcd.Connection(), [], BackupCompression.None, null, servers.Root);

        var error = await Assert.ThrowsAsync<PitcrewException>(() => BackupJobs.CreateAsync(store, options, TimeSpan.Zero, null, TimeProvider.System, ct));

        Assert.Equal(ExitCodes.Unavailable, error.ExitCode);
        Assert.Contains("failed after 3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Contains("--s3-endpoint", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_DeletesManifestAndObject_AndKeepsPreUpgradeAndNewest()
    {
        var ct = TestContext.Current.CancellationToken;
        using var store = OpenStore("file");
        var plain = new BackupCreateOptions(servers.Etcd.Connection(), [], BackupCompression.Zstd, null, servers.Root);
        var first = await BackupJobs.CreateAsync(store, plain with { Tags = ["pre-upgrade"] }, TimeSpan.FromSeconds(10), null, TimeProvider.System, ct);
        var second = await BackupJobs.CreateAsync(store, plain, TimeSpan.FromSeconds(10), null, TimeProvider.System, ct);
        var third = await BackupJobs.CreateAsync(store, plain, TimeSpan.FromSeconds(10), null, TimeProvider.System, ct);
        var policy = Pitcrew.Backups.Retention.RetentionPolicy.SeedDefault with { KeepDaily = 0, KeepWeekly = 0, KeepMonthly = 0, KeepLast = 1 };

        var dry = await BackupJobs.PruneAsync(store, RetentionRequest.Of(policy), [], dryRun: true, now: null, TimeSpan.FromSeconds(10), TimeProvider.System, ct);
        Assert.Equal(0, dry.Deleted);
        Assert.Equal(3, (await BackupCatalog.ListAsync(store, ct)).Count);

        var pruned = await BackupJobs.PruneAsync(store, RetentionRequest.Of(policy), [], dryRun: false, now: null, TimeSpan.FromSeconds(10), TimeProvider.System, ct);
        Assert.Equal(1, pruned.Deleted);
        Assert.All(pruned.Decisions, d => Assert.NotEmpty(d.Reasons));
        var left = (await BackupCatalog.ListAsync(store, ct)).Select(e => e.Manifest.Name).ToList();
        Assert.Equal([first.Manifest.Name, third.Manifest.Name], left);
        Assert.Null(await store.StatAsync(second.Manifest.Stored.Key, ct));

        var again = await BackupJobs.PruneAsync(store, RetentionRequest.Of(policy), [], dryRun: false, now: null, TimeSpan.FromSeconds(10), TimeProvider.System, ct);
        Assert.Equal(0, again.Deleted);
    }

    private IBackupStore OpenStore(string kind)
    {
        var url = kind == "s3"
            ? BackupStoreUrl.Parse(S3Fixture.NewStore())
            : BackupStoreUrl.Parse("file://" + Path.Combine(servers.Root, "store-" + Guid.NewGuid().ToString("N")));
        return BackupStores.Open(new StoreOptions(url, servers.S3.Endpoint, name => S3Fixture.Credentials.GetValueOrDefault(name)), TimeProvider.System);
    }
}
