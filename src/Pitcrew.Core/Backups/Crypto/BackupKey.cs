using System.Security.Cryptography;
using System.Text;

namespace Pitcrew.Backups.Crypto;

/// <summary>A 256-bit backup key read from a file (32 raw bytes or 64 hex characters); only its fingerprint is ever shown.</summary>
internal sealed class BackupKey
{
    public const int KeySize = 32;
    public const int IdSize = 8;

    private BackupKey(byte[] material)
    {
        Material = material;
        var digest = SHA256.HashData(material);
        Id = digest[..IdSize];
        Fingerprint = "sha256:" + Convert.ToHexStringLower(Id);
    }

    /// <summary>The key bytes; never logged or printed.</summary>
    public byte[] Material { get; }

    /// <summary>The first 8 bytes of SHA-256(key), stored in every encrypted object's header.</summary>
    public byte[] Id { get; }

    /// <summary>"sha256:" and the id in hex: what manifests and messages show.</summary>
    public string Fingerprint { get; }

    public static string FingerprintOf(ReadOnlySpan<byte> id) => "sha256:" + Convert.ToHexStringLower(id);

    public static BackupKey Load(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new PitcrewException($"--encrypt-key-file {path}: no such file", ExitCodes.FileNotFound, e);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new PitcrewException($"--encrypt-key-file {path}: cannot read it: {e.Message}", ExitCodes.FileUnreadable, e);
        }

        if (bytes.Length == KeySize)
        {
            return new BackupKey(bytes);
        }

        var text = Encoding.ASCII.GetString(bytes).Trim();
        if (text.Length == KeySize * 2 && text.All(char.IsAsciiHexDigit))
        {
            return new BackupKey(Convert.FromHexString(text));
        }

        throw new PitcrewException(
            $"--encrypt-key-file {path}: want 32 raw bytes or 64 hex characters (e.g. from `openssl rand -hex 32`), found {bytes.Length} bytes",
            ExitCodes.Usage);
    }

    public static BackupKey FromBytes(byte[] material) =>
        material.Length == KeySize ? new BackupKey(material) : throw new ArgumentException("a backup key is 32 bytes", nameof(material));
}
