using System.Security.Cryptography;
using Pitcrew.Snapshots;

namespace Pitcrew.Tests.Snapshots;

public sealed class SnapshotStreamHasherTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(4096)]
    [InlineData(32 * 1024)]
    public void Append_InChunksOfAnySize_RecognisesTheTrailer(int chunk)
    {
        var stream = Stream(10_000);
        using var hasher = new SnapshotStreamHasher();
        for (var offset = 0; offset < stream.Length; offset += chunk)
        {
            hasher.Append(stream.AsSpan(offset, Math.Min(chunk, stream.Length - offset)));
        }

        Assert.True(hasher.Matches(out var digest));
        Assert.Equal(Convert.ToHexStringLower(stream.AsSpan(stream.Length - 32)), digest);
        Assert.Equal(stream.Length, hasher.Bytes);
    }

    [Fact]
    public void Matches_WithOneFlippedByte_IsFalse()
    {
        var stream = Stream(5000);
        stream[1234] ^= 0x40;
        using var hasher = new SnapshotStreamHasher();
        hasher.Append(stream);
        Assert.False(hasher.Matches(out _));
    }

    [Fact]
    public void Matches_WithStreamShorterThanATrailer_IsFalse()
    {
        using var hasher = new SnapshotStreamHasher();
        hasher.Append(new byte[20]);
        Assert.False(hasher.Matches(out _));
        Assert.Null(hasher.Trailer);
    }

    /// <summary>Random content followed by its SHA-256, as etcd streams a snapshot.</summary>
    private static byte[] Stream(int contentLength)
    {
        var content = new byte[contentLength];
        new Random(contentLength).NextBytes(content);
        return [.. content, .. SHA256.HashData(content)];
    }
}
