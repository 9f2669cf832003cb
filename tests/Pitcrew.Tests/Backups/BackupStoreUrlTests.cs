using Pitcrew.Backups;
using Pitcrew.Backups.Stores;
using Pitcrew.Errors;

namespace Pitcrew.Tests.Backups;

public sealed class BackupStoreUrlTests
{
    [Theory]
    [InlineData("file:///var/backups/etcd", "file", "/var/backups/etcd", null, "")]
    [InlineData("s3://my-bucket", "s3", "s3://my-bucket", "my-bucket", "")]
    [InlineData("s3://my-bucket/etcd/prod/", "s3", "s3://my-bucket/etcd/prod/", "my-bucket", "etcd/prod/")]
    public void Parse_OfAValidUrl_GivesSchemeBucketAndPrefix(string text, string scheme, string path, string? bucket, string prefix)
    {
        var url = BackupStoreUrl.Parse(text);
        Assert.Equal((scheme, path, bucket, prefix), (url.Scheme, url.Path, url.Bucket, url.Prefix));
    }

    [Theory]
    [InlineData("/var/backups/etcd", "/var/backups/etcd")]
    [InlineData("/var/backups/etcd/", "/var/backups/etcd")]
    [InlineData("store", "/srv/work/store")]
    [InlineData("./store/../backups", "/srv/work/backups")]
    [InlineData("file://store", "/srv/work/store")]
    [InlineData("file://relative/path", "/srv/work/relative/path")]
    [InlineData("file:///abs/path", "/abs/path")]
    public void Parse_OfAPlainOrFilePath_GivesAFileStoreResolvedFromTheWorkingDirectory(string text, string path)
    {
        var url = BackupStoreUrl.Parse(text, "/srv/work");
        Assert.Equal(("file", path), (url.Scheme, url.Path));
        Assert.Equal("file://" + path, url.ToString());
    }

    [Theory]
    [InlineData(null, "--store is required")]
    [InlineData("file://", "no directory given")]
    [InlineData("s3://Bad_Bucket/x", "not a valid bucket name")]
    [InlineData("gs://bucket", "unknown scheme")]
    public void Parse_OfABadUrl_IsAUsageErrorSayingWhy(string? text, string why)
    {
        var error = Assert.Throws<PitcrewException>(() => BackupStoreUrl.Parse(text));
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_TakenInTheSameSecond_AreUniqueAndSortByTime()
    {
        var now = new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.Zero);
        var names = Enumerable.Range(0, 50).Select(_ => BackupNames.New(now)).ToHashSet();
        Assert.True(names.Count > 45, "4 random hex digits should rarely collide within 50 names");
        Assert.All(names, n => Assert.StartsWith("etcd-20261201T003000Z-", n, StringComparison.Ordinal));
        Assert.True(string.CompareOrdinal(BackupNames.New(now), BackupNames.New(now.AddSeconds(1))) < 0);
    }

    [Fact]
    public void Leftovers_AreObjectsWithoutAManifestOlderThanTheLock()
    {
        var t = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        var objects = new List<StoredObject>
        {
            new("etcd-20261130T230000Z-aaaa.db.zst", 10, t.AddHours(-1)),
            new("etcd-20261130T230000Z-aaaa.manifest.json", 1, t.AddHours(-1)),
            new("etcd-20261130T235900Z-bbbb.db.zst.enc", 10, t.AddMinutes(-1)),
            new("etcd-20261201T000001Z-cccc.db", 10, t.AddSeconds(1)),
            new(BackupNames.LockName, 1, t),
            new("someone-elses-file", 1, t.AddDays(-1)),
        };
        var leftovers = BackupCatalog.Leftovers(objects, t);
        Assert.Equal(["etcd-20261130T235900Z-bbbb.db.zst.enc"], leftovers.Select(o => o.Name));
    }
}
