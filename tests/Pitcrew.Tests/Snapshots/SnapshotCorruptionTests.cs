using Pitcrew.Errors;
using Pitcrew.Snapshots;
using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Tests.Snapshots;

public sealed class SnapshotCorruptionTests : IClassFixture<SampleSnapshot>, IDisposable
{
    private const int PageSize = 4096;
    private readonly SampleSnapshot _sample;
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-corrupt-").FullName;

    public SnapshotCorruptionTests(SampleSnapshot sample)
    {
        _sample = sample;
    }

    [Fact]
    public async Task Sample_IsSoundAndHasBranchesOverflowAndTombstones()
    {
        var status = await SnapshotReader.VerifyAsync(_sample.Path, skipHashCheck: false, TestContext.Current.CancellationToken);
        Assert.True(status.Trailer.Matches);
        Assert.True(status.KeyRevisions > status.LiveKeys, "history should hold deleted keys");
        Assert.Equal(600 - 67, status.RegistryKeys["pods"]);
        Assert.True(status.TotalSize > 20 * PageSize);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(PageSize + 32)]
    [InlineData(PageSize + 1000)]
    public async Task Verify_OfTruncatedFile_FailsAsTruncated(int cut)
    {
        var path = Write(_sample.Bytes[..^cut]);
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.VerifyAsync(path, skipHashCheck: false, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Status_OfTruncatedFile_FailsInsteadOfCrashing()
    {
        var path = Write(_sample.Bytes[..(_sample.Bytes.Length / 2)]);
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.ReadAsync(path, checkTrailer: true, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
    }

    [Fact]
    public async Task Verify_WithBothMetaPagesZeroed_FailsAsNotASnapshot()
    {
        var bytes = _sample.Bytes.ToArray();
        Array.Clear(bytes, 0, 2 * PageSize);
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.VerifyAsync(Write(bytes), skipHashCheck: false, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.NotASnapshot, error.ExitCode);
    }

    [Fact]
    public async Task Verify_WithFirstMetaPageZeroed_FallsBackToTheSecondButFailsTheHash()
    {
        var bytes = _sample.Bytes.ToArray();
        Array.Clear(bytes, 0, PageSize);
        var path = Write(bytes);
        var status = await SnapshotReader.ReadAsync(path, checkTrailer: true, TestContext.Current.CancellationToken);
        Assert.Equal(_sample.Status.Revision, status.Revision);
        Assert.False(status.Trailer.Matches);
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.VerifyAsync(path, skipHashCheck: false, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Corrupt, error.ExitCode);
    }

    [Fact]
    public async Task Verify_WithOneFlippedByteInAValue_FailsTheHashCheck()
    {
        var bytes = _sample.Bytes.ToArray();
        bytes[bytes.Length - 32 - 100] ^= 0x01;
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.VerifyAsync(Write(bytes), skipHashCheck: false, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Corrupt, error.ExitCode);
        Assert.Contains("does not match its trailer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithAPageHeaderDamaged_NamesThePage()
    {
        var bytes = _sample.Bytes.ToArray();
        long page;
        using (var file = BoltFile.Open(_sample.Path))
        {
            page = (long)new BoltLookup(file).FindBucket("key"u8)!.Root;
        }

        Assert.True(page >= 2, "the key bucket should live in its own pages");
        bytes[(page * PageSize) + 8] = 0x20; // flags: no valid page type
        var path = Write(bytes);
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.VerifyAsync(path, skipHashCheck: true, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Corrupt, error.ExitCode);
        Assert.Contains($"page {page}:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutTrailer_FailsUnlessHashCheckIsSkipped()
    {
        var path = Write(_sample.Bytes[..^32]);
        var error = await Assert.ThrowsAsync<SnapshotFormatException>(() =>
            SnapshotReader.VerifyAsync(path, skipHashCheck: false, TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
        Assert.Contains("--skip-hash-check", error.Message, StringComparison.Ordinal);

        var status = await SnapshotReader.VerifyAsync(path, skipHashCheck: true, TestContext.Current.CancellationToken);
        Assert.Equal(_sample.Status.Hash, status.Hash);
        Assert.False(status.Trailer.Present);
    }

    [Fact]
    public void UnreadableFile_MapsToFileUnreadable()
    {
        // The mapping of EACCES; SnapshotBadInputTests runs the binary as an unprivileged user against a 0600 file.
        var error = BoltFile.UnreadableFile("/x.db", new UnauthorizedAccessException("denied"));
        Assert.Equal(ExitCodes.FileUnreadable, error.ExitCode);
        Assert.Equal("/x.db: permission denied", error.Message);
    }

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".db");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
