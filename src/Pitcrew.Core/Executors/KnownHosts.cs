using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pitcrew.Executors;

/// <summary>What a known_hosts file says about the key a host offered.</summary>
internal enum HostKeyVerdict
{
    Known,
    Unknown,
    Changed,
    Revoked,
}

/// <summary>
/// An OpenSSH known_hosts file: plain and hashed (|1|salt|hash) host patterns, [host]:port for other ports, @revoked
/// lines; comparison is by the whole public key blob.
/// </summary>
internal sealed class KnownHosts(string path)
{
    private const string RevokedMarker = "@revoked";

    public string Path { get; } = path;

    /// <summary>The name known_hosts uses for a host and port: host for 22, [host]:port otherwise.</summary>
    public static string HostName(string host, int port) => port == 22 ? host : string.Create(CultureInfo.InvariantCulture, $"[{host}]:{port}");

    public HostKeyVerdict Check(string host, int port, byte[] key)
    {
        if (!File.Exists(Path))
        {
            return HostKeyVerdict.Unknown;
        }

        var name = HostName(host, port);
        var offered = Convert.ToBase64String(key);
        var sawHost = false;
        foreach (var raw in File.ReadLines(Path))
        {
            var fields = raw.Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3 || fields[0].StartsWith('#'))
            {
                continue;
            }

            var revoked = fields[0] == RevokedMarker;
            if (fields[0].StartsWith('@'))
            {
                if (!revoked || fields.Length < 4)
                {
                    continue;
                }

                fields = fields[1..];
            }

            if (!Matches(fields[0], name))
            {
                continue;
            }

            var same = string.Equals(fields[2], offered, StringComparison.Ordinal);
            if (revoked && same)
            {
                return HostKeyVerdict.Revoked;
            }

            if (same)
            {
                return HostKeyVerdict.Known;
            }

            sawHost |= !revoked;
        }

        return sawHost ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
    }

    /// <summary>Adds the host's key, as ssh -o StrictHostKeyChecking=accept-new does.</summary>
    public void Add(string host, int port, byte[] key)
    {
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.AppendAllText(Path, $"{HostName(host, port)} {KeyType(key)} {Convert.ToBase64String(key)}\n");
    }

    /// <summary>The key's type, the first string of its wire encoding (ssh-ed25519, ssh-rsa, ...).</summary>
    public static string KeyType(byte[] key)
    {
        if (key.Length < 4)
        {
            return "unknown";
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(key);
        return length > 0 && length <= key.Length - 4 ? Encoding.ASCII.GetString(key, 4, length) : "unknown";
    }

    /// <summary>The fingerprint ssh prints: SHA256:base64 without padding.</summary>
    public static string Fingerprint(byte[] key) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(key)).TrimEnd('=');

    private static bool Matches(string patterns, string name)
    {
        if (patterns.StartsWith("|1|", StringComparison.Ordinal))
        {
            var parts = patterns.Split('|');
            if (parts.Length != 4)
            {
                return false;
            }

            var salt = Convert.FromBase64String(parts[2]);
#pragma warning disable CA5350 // OpenSSH's hashed host names are HMAC-SHA1 by definition; nothing is protected by it here.
            var hash = HMACSHA1.HashData(salt, Encoding.ASCII.GetBytes(name));
#pragma warning restore CA5350
            return string.Equals(Convert.ToBase64String(hash), parts[3], StringComparison.Ordinal);
        }

        var matched = false;
        foreach (var pattern in patterns.Split(','))
        {
            var negated = pattern.StartsWith('!');
            if (Glob(negated ? pattern[1..] : pattern, name))
            {
                if (negated)
                {
                    return false;
                }

                matched = true;
            }
        }

        return matched;
    }

    private static bool Glob(string pattern, string name)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(name, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase, TimeSpan.FromSeconds(1));
    }
}
