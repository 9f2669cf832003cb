using System.IO.Compression;
using ZstdSharp;

namespace Pitcrew.Backups;

/// <summary>How a stored object is compressed: none, zstd (level 3 by default, fast) or gzip (the BCL's, fastest level).</summary>
internal enum BackupCompression
{
    None,
    Zstd,
    Gzip,
}

internal static class BackupCompressions
{
    /// <summary>zstd level 1: compresses etcd's mostly-JSON/protobuf pages 3-5x at several hundred MB/s per core.</summary>
    private const int ZstdLevel = 1;

    public static string Name(BackupCompression compression) => compression switch
    {
        BackupCompression.Zstd => "zstd",
        BackupCompression.Gzip => "gzip",
        _ => "none",
    };

    public static string Suffix(BackupCompression compression) => compression switch
    {
        BackupCompression.Zstd => ".zst",
        BackupCompression.Gzip => ".gz",
        _ => string.Empty,
    };

    public static BackupCompression Parse(string? text) => text?.ToUpperInvariant() switch
    {
        null or "" or "ZSTD" => BackupCompression.Zstd,
        "GZIP" or "GZ" => BackupCompression.Gzip,
        "NONE" => BackupCompression.None,
        _ => throw new PitcrewException($"--compress \"{text}\": want zstd (the default) or gzip", ExitCodes.Usage),
    };

    /// <summary>Wraps a write stream; disposing the wrapper flushes the compressor's end but leaves <paramref name="inner"/> open.</summary>
    public static Stream Compress(Stream inner, BackupCompression compression) => compression switch
    {
        BackupCompression.Zstd => new CompressionStream(inner, ZstdLevel, leaveOpen: true),
        BackupCompression.Gzip => new GZipStream(inner, CompressionLevel.Fastest, leaveOpen: true),
        _ => new HashingStream(inner, leaveOpen: true),
    };

    public static Stream Decompress(Stream inner, BackupCompression compression) => compression switch
    {
        BackupCompression.Zstd => new DecompressionStream(inner, leaveOpen: false),
        BackupCompression.Gzip => new GZipStream(inner, CompressionMode.Decompress, leaveOpen: false),
        _ => inner,
    };
}
