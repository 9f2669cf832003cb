using System.Security.Cryptography;
using Pitcrew.Backups.Crypto;
using Pitcrew.Errors;

namespace Pitcrew.Tests.Backups;

public sealed class ChunkedAesGcmTests
{
    private const int Chunk = ChunkedAesGcm.ChunkSize;
    private const int Sealed = Chunk + ChunkedAesGcm.TagSize;
    private static readonly BackupKey Key = BackupKey.FromBytes(RandomNumberGenerator.GetBytes(32));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(Chunk - 1)]
    [InlineData(Chunk)]
    [InlineData(Chunk + 1)]
    [InlineData((3 * Chunk) + 12345)]
    public async Task RoundTrip_OfAnySize_GivesBackThePlaintext(int size)
    {
        var plain = RandomNumberGenerator.GetBytes(size);
        var encrypted = await EncryptAsync(plain);
        Assert.Equal(ChunkedAesGcm.HeaderSize + size + ((size / Chunk) + 1) * ChunkedAesGcm.TagSize, encrypted.Length);
        Assert.Equal(plain, await DecryptAsync(encrypted, Key));
    }

    [Fact]
    public async Task TwoEncryptions_OfTheSameData_UseDifferentNonces()
    {
        var plain = RandomNumberGenerator.GetBytes(1000);
        Assert.NotEqual(await EncryptAsync(plain), await EncryptAsync(plain));
    }

    [Fact]
    public async Task Decrypt_WithAnotherKey_SaysWrongKeyAndNamesBothFingerprints()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(5000));
        var other = BackupKey.FromBytes(RandomNumberGenerator.GetBytes(32));
        var error = await Assert.ThrowsAsync<PitcrewException>(() => DecryptAsync(encrypted, other));
        Assert.Equal(ExitCodes.TlsOrAuth, error.ExitCode);
        Assert.Contains("wrong key", error.Message, StringComparison.Ordinal);
        Assert.Contains(Key.Fingerprint, error.Message, StringComparison.Ordinal);
        Assert.Contains(other.Fingerprint, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decrypt_OfAFlippedBit_FailsAuthenticationOfThatChunk()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * Chunk + 10));
        encrypted[ChunkedAesGcm.HeaderSize + Sealed + 7] ^= 0x01;
        var error = await Assert.ThrowsAsync<PitcrewException>(() => DecryptAsync(encrypted, Key));
        Assert.Equal(ExitCodes.Corrupt, error.ExitCode);
        Assert.Contains("chunk 1 fails authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decrypt_CutAtAChunkBoundary_SaysTruncated()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * Chunk + 10));
        var cut = encrypted.AsSpan(0, ChunkedAesGcm.HeaderSize + (2 * Sealed)).ToArray();
        var error = await Assert.ThrowsAsync<PitcrewException>(() => DecryptAsync(cut, Key));
        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
    }

    [Fact]
    public async Task Decrypt_WithTheEmptyFinalChunkDropped_SaysTruncated()
    {
        // An exact multiple of the chunk size ends with an empty final chunk: without it the object is cut short.
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(2 * Chunk));
        var error = await Assert.ThrowsAsync<PitcrewException>(() => DecryptAsync(encrypted[..^ChunkedAesGcm.TagSize], Key));
        Assert.Equal(ExitCodes.Truncated, error.ExitCode);
    }

    [Fact]
    public async Task Decrypt_WithTwoChunksSwapped_FailsAuthentication()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(3 * Chunk + 10));
        var first = encrypted.AsSpan(ChunkedAesGcm.HeaderSize, Sealed).ToArray();
        encrypted.AsSpan(ChunkedAesGcm.HeaderSize + Sealed, Sealed).CopyTo(encrypted.AsSpan(ChunkedAesGcm.HeaderSize));
        first.CopyTo(encrypted.AsSpan(ChunkedAesGcm.HeaderSize + Sealed));
        var error = await Assert.ThrowsAsync<PitcrewException>(() => DecryptAsync(encrypted, Key));
        Assert.Contains("chunk 0 fails authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Decrypt_WithDataAfterTheFinalChunk_IsTampered()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(100));
        var error = await Assert.ThrowsAsync<PitcrewException>(() => DecryptAsync([.. encrypted, 0x00], Key));
        Assert.Equal(ExitCodes.Corrupt, error.ExitCode);
    }

    [Theory]
    [InlineData("hex")]
    [InlineData("raw")]
    public void Key_LoadsFromRawBytesOrHex_WithTheSameFingerprint(string form)
    {
        var material = RandomNumberGenerator.GetBytes(32);
        var path = Path.Combine(Path.GetTempPath(), $"pitcrew-key-{Guid.NewGuid():N}");
        try
        {
            if (form == "hex")
            {
                File.WriteAllText(path, Convert.ToHexStringLower(material) + "\n");
            }
            else
            {
                File.WriteAllBytes(path, material);
            }

            Assert.Equal(BackupKey.FromBytes(material).Fingerprint, BackupKey.Load(path).Fingerprint);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Key_OfTheWrongLength_IsAUsageErrorThatDoesNotEchoTheContent()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pitcrew-key-{Guid.NewGuid():N}");
        File.WriteAllText(path, "secret-but-short");
        try
        {
            var error = Assert.Throws<PitcrewException>(() => BackupKey.Load(path));
            Assert.Equal(ExitCodes.Usage, error.ExitCode);
            Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<byte[]> EncryptAsync(byte[] plain)
    {
        using var output = new MemoryStream();
        await using (var encrypt = new EncryptingStream(output, Key))
        {
            await encrypt.WriteAsync(plain, TestContext.Current.CancellationToken);
            await encrypt.FinishAsync(TestContext.Current.CancellationToken);
        }

        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] encrypted, BackupKey key)
    {
        await using var decrypt = new DecryptingStream(new MemoryStream(encrypted), key, "test-object");
        using var output = new MemoryStream();
        await decrypt.CopyToAsync(output, TestContext.Current.CancellationToken);
        return output.ToArray();
    }
}
