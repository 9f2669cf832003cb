using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Pitcrew.Restore;

/// <summary>etcd's bootstrap identities: member IDs from peer URLs and token, the cluster ID from the member IDs.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350", Justification = "etcd derives IDs with SHA-1; not a security use")]
internal static class MemberIds
{
    /// <summary>First 8 bytes (big-endian) of SHA-1 over the sorted peer URLs joined, then the cluster token.</summary>
    public static ulong Member(IReadOnlyList<string> sortedPeerUrls, string clusterToken)
    {
        var text = string.Concat(sortedPeerUrls) + clusterToken;
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes(text));
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>First 8 bytes (big-endian) of SHA-1 over the member IDs, ascending, each as 8 big-endian bytes.</summary>
    public static ulong Cluster(IEnumerable<ulong> memberIds)
    {
        var ids = memberIds.Order().ToArray();
        var bytes = new byte[8 * ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8 * i), ids[i]);
        }

        return BinaryPrimitives.ReadUInt64BigEndian(SHA1.HashData(bytes));
    }

    /// <summary>etcd prints IDs as lowercase hex without padding.</summary>
    public static string Hex(ulong id) => id.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
}
