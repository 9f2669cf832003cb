using Pitcrew.Errors;
using Pitcrew.Restore;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Restore;

/// <summary>Every bad input fails with its own exit code and a message naming the next step, and leaves nothing behind.</summary>
[Collection(RestoreSourceGroup.Name)]
public sealed class RestoreErrorTests : IDisposable
{
    private readonly RestoreSource _source;
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-restore-err-").FullName;

    public RestoreErrorTests(RestoreSource source)
    {
        _source = source;
    }

    private string Target => Path.Combine(_dir, "target");

    [Fact]
    public async Task Restore_OfFileWithAFlippedByte_FailsTheHashCheckAndWritesNothing()
    {
        var bytes = await File.ReadAllBytesAsync(_source.SnapshotPath, TestContext.Current.CancellationToken);
        bytes[bytes.Length / 2] ^= 0x01;
        var error = await FailAsync<SnapshotFormatException>(Options(Write(bytes)));

        Assert.Equal(ExitCodes.Corrupt, error.ExitCode);
        Assert.Contains("SHA-256", error.Message, StringComparison.Ordinal);
        Assert.Equal(["snap.db"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Restore_OfTruncatedFile_FailsAsTruncated()
    {
        var bytes = await File.ReadAllBytesAsync(_source.SnapshotPath, TestContext.Current.CancellationToken);
        var error = await FailAsync<SnapshotFormatException>(Options(Write(bytes[..^1000])));

        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
        Assert.False(Directory.Exists(Target));
    }

    [Fact]
    public async Task Restore_OfRawDbWithoutTrailer_NeedsSkipHashCheck()
    {
        var bytes = await File.ReadAllBytesAsync(_source.SnapshotPath, TestContext.Current.CancellationToken);
        var raw = Write(bytes[..^SnapshotFileLayout.TrailerSize]);
        var error = await FailAsync<SnapshotFormatException>(Options(raw));
        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
        Assert.Contains("--skip-hash-check", error.Message, StringComparison.Ordinal);

        var result = await SnapshotRestorer.RestoreAsync(Options(raw) with { SkipHashCheck = true }, TestContext.Current.CancellationToken);
        Assert.Equal(_source.Revision + RestorePlanner.KubernetesBump, result.Revision);
        Assert.True(File.Exists(Path.Combine(Target, "member", "snap", "db")));
    }

    [Fact]
    public async Task Restore_OfAFileThatIsNoSnapshot_Fails()
    {
        var error = await FailAsync<SnapshotFormatException>(Options(Write(new byte[8192])));

        Assert.Equal(ExitCodes.NotASnapshot, error.ExitCode);
    }

    [Theory]
    [InlineData("x", "a=http://127.0.0.1:2380", "http://127.0.0.1:2380", "couldn't find local name \"x\"")]
    [InlineData("a", "a=http://127.0.0.1:2380", "http://127.0.0.1:2381", "--initial-advertise-peer-urls is http://127.0.0.1:2381")]
    [InlineData("a", "a=http://127.0.0.1:2380,b=http://127.0.0.1:2380", "http://127.0.0.1:2380", "duplicate url http://127.0.0.1:2380")]
    [InlineData("a", "a=127.0.0.1:2380", "http://127.0.0.1:2380", "URL scheme must be")]
    public async Task Restore_WithMembershipThatCannotWork_FailsBeforeTouchingAnything(string name, string cluster, string peer, string message)
    {
        var error = await FailAsync<PitcrewException>(Options(_source.SnapshotPath) with
        {
            Name = name, InitialCluster = cluster, InitialAdvertisePeerUrls = peer,
        });

        Assert.Equal(ExitCodes.InvalidMembership, error.ExitCode);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Target));
    }

    [Fact]
    public async Task Restore_IntoNonEmptyDataDir_RefusesAndLeavesItAlone()
    {
        Directory.CreateDirectory(Target);
        var keep = Path.Combine(Target, "keep.txt");
        await File.WriteAllTextAsync(keep, "old member", TestContext.Current.CancellationToken);

        var error = await FailAsync<PitcrewException>(Options(_source.SnapshotPath));

        Assert.Equal(ExitCodes.TargetNotEmpty, error.ExitCode);
        Assert.Equal("old member", await File.ReadAllTextAsync(keep, TestContext.Current.CancellationToken));
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Restore_WithExistingWalDir_Refuses()
    {
        var wal = Directory.CreateDirectory(Path.Combine(_dir, "wal")).FullName;

        var error = await FailAsync<PitcrewException>(Options(_source.SnapshotPath) with { WalDir = wal });

        Assert.Equal(ExitCodes.TargetNotEmpty, error.ExitCode);
        Assert.False(Directory.Exists(Target));
    }

    [Fact]
    public async Task Restore_IntoEmptyDataDirWithSeparateWalDir_WritesBoth()
    {
        Directory.CreateDirectory(Target);
        var wal = Path.Combine(_dir, "wal");

        var result = await SnapshotRestorer.RestoreAsync(Options(_source.SnapshotPath) with { WalDir = wal }, TestContext.Current.CancellationToken);

        Assert.Equal(wal, result.WalDir);
        Assert.True(File.Exists(Path.Combine(wal, "0000000000000000-0000000000000000.wal")));
        Assert.True(File.Exists(Path.Combine(Target, "member", "snap", "0000000000000001-0000000000000001.snap")));
        Assert.False(Directory.Exists(Path.Combine(Target, "member", "wal")));
        Assert.Equal(["target", "wal"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).Order());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private RestoreOptions Options(string snapshot) => new(snapshot, Target);

    private string Write(byte[] bytes)
    {
        var path = Path.Combine(_dir, "snap.db");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static async Task<T> FailAsync<T>(RestoreOptions options)
        where T : Exception =>
        await Assert.ThrowsAsync<T>(() => SnapshotRestorer.RestoreAsync(options, TestContext.Current.CancellationToken));
}
