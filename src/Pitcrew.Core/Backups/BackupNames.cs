using System.Globalization;
using System.Security.Cryptography;

namespace Pitcrew.Backups;

/// <summary>Names that sort by time and stay unique within a second: etcd-20261201T003000Z-1a2b.</summary>
internal static class BackupNames
{
    public const string Prefix = "etcd-";
    public const string ManifestSuffix = ".manifest.json";
    public const string LockName = "pitcrew-backup.lock";
    private const string TimeFormat = "yyyyMMdd'T'HHmmss'Z'";

    public static string New(DateTimeOffset now) =>
        Prefix + now.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    public static string ManifestKey(string name) => name + ManifestSuffix;

    public static string ObjectKey(string name, BackupCompression compression, bool encrypted) =>
        name + ".db" + BackupCompressions.Suffix(compression) + (encrypted ? ".enc" : string.Empty);

    public static bool TryParseManifest(string key, out string name)
    {
        name = key.EndsWith(ManifestSuffix, StringComparison.Ordinal) && key.StartsWith(Prefix, StringComparison.Ordinal)
            ? key[..^ManifestSuffix.Length]
            : string.Empty;
        return name.Length > 0;
    }

    /// <summary>The backup an object belongs to (etcd-TIME-RAND), or null for objects that are not Pitcrew's.</summary>
    public static string? OwnerOf(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var dot = key.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? key : key[..dot];
    }
}
