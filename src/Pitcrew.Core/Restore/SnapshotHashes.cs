using System.Security.Cryptography;

namespace Pitcrew.Restore;

/// <summary>A snapshot file's SHA-256 as sha256sum prints it, here and as read back from a node.</summary>
public static class SnapshotHashes
{
    /// <summary>The file's SHA-256, lowercase hex.</summary>
    public static async Task<string> OfFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The hash on sha256sum's first line ("HASH  PATH", or "\HASH  PATH" for an escaped name), lowercased; null when there is none.</summary>
    public static string? Parse(IEnumerable<string> stdout)
    {
        var first = stdout.Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        var word = first?.TrimStart('\\').Split(' ', 2)[0];
        return word is { Length: 64 } && word.All(char.IsAsciiHexDigit) ? word.ToLowerInvariant() : null;
    }
}
