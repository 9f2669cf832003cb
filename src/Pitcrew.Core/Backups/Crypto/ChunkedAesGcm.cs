using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Pitcrew.Backups.Crypto;

/// <summary>
/// The encrypted object format: a 28-byte header, then AES-256-GCM chunks of 1 MiB plaintext each followed by its
/// 16-byte tag. The nonce of chunk i is the header's random 8-byte prefix and i (big-endian uint32); the associated
/// data is the header, i and a final-chunk flag, so a reordered, dropped, truncated or altered chunk fails to open.
/// Every chunk but the last is full; the last is shorter (possibly empty) and carries the flag.
/// </summary>
internal static class ChunkedAesGcm
{
    public const string Algorithm = "AES-256-GCM-CHUNKED";
    public const int HeaderSize = 28;
    public const int TagSize = 16;
    public const int NonceSize = 12;
    public const int PrefixSize = 8;
    public const byte Version = 1;
    public const byte AesGcm256 = 1;
    public const int ChunkSizeLog2 = 20;
    public const int ChunkSize = 1 << ChunkSizeLog2;

    public static ReadOnlySpan<byte> Magic => "PCREWENC"u8;

    public static byte[] NewHeader(BackupKey key)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header);
        header[8] = Version;
        header[9] = AesGcm256;
        header[10] = ChunkSizeLog2;
        key.Id.CopyTo(header.AsSpan(12));
        RandomNumberGenerator.Fill(header.AsSpan(12 + BackupKey.IdSize, PrefixSize));
        return header;
    }

    public static ReadOnlySpan<byte> KeyIdOf(ReadOnlySpan<byte> header) => header.Slice(12, BackupKey.IdSize);

    public static void Nonce(ReadOnlySpan<byte> header, uint index, Span<byte> nonce)
    {
        header.Slice(12 + BackupKey.IdSize, PrefixSize).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[PrefixSize..], index);
    }

    public static void AssociatedData(ReadOnlySpan<byte> header, uint index, bool final, Span<byte> data)
    {
        header.CopyTo(data);
        BinaryPrimitives.WriteUInt32BigEndian(data[HeaderSize..], index);
        data[HeaderSize + 4] = final ? (byte)1 : (byte)0;
    }

    public const int AssociatedDataSize = HeaderSize + 5;
}
