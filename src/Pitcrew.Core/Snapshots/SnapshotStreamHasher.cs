using System.Security.Cryptography;

namespace Pitcrew.Snapshots;

/// <summary>
/// Hashes a snapshot stream as it arrives: SHA-256 of every byte except the last 32, which are held back
/// because the stream ends with etcd's digest of the bytes before it.
/// </summary>
internal sealed class SnapshotStreamHasher : IDisposable
{
    private const int TrailerSize = 32;
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _tail = new byte[TrailerSize];
    private readonly byte[] _scratch = new byte[TrailerSize];
    private int _tailLength;

    public long Bytes { get; private set; }

    public void Append(ReadOnlySpan<byte> chunk)
    {
        Bytes += chunk.Length;
        var total = _tailLength + chunk.Length;
        if (total <= TrailerSize)
        {
            chunk.CopyTo(_tail.AsSpan(_tailLength));
            _tailLength = total;
            return;
        }

        var toHash = total - TrailerSize;
        var fromTail = Math.Min(toHash, _tailLength);
        _sha.AppendData(_tail.AsSpan(0, fromTail));
        var fromChunk = toHash - fromTail;
        _sha.AppendData(chunk[..fromChunk]);

        var keptTail = _tail.AsSpan(fromTail, _tailLength - fromTail);
        keptTail.CopyTo(_scratch);
        chunk[fromChunk..].CopyTo(_scratch.AsSpan(keptTail.Length));
        _scratch.CopyTo(_tail, 0);
        _tailLength = TrailerSize;
    }

    /// <summary>The trailer received, or null when the stream was shorter than a trailer.</summary>
    public byte[]? Trailer => _tailLength == TrailerSize ? _tail.ToArray() : null;

    /// <summary>Whether the held-back 32 bytes are the SHA-256 of everything before them.</summary>
    public bool Matches(out string digestHex)
    {
        var digest = _sha.GetHashAndReset();
        digestHex = Convert.ToHexStringLower(digest);
        return _tailLength == TrailerSize && digest.AsSpan().SequenceEqual(_tail);
    }

    public void Dispose() => _sha.Dispose();
}
