using System.Security.Cryptography;

namespace Pitcrew.Backups.Crypto;

/// <summary>Read-only: opens <see cref="ChunkedAesGcm"/> chunks; a wrong key, a bad chunk or a missing end is a clear error.</summary>
internal sealed class DecryptingStream : ForwardReadStream
{
    private const int SealedSize = ChunkedAesGcm.ChunkSize + ChunkedAesGcm.TagSize;

    private readonly Stream _inner;
    private readonly BackupKey _key;
    private readonly string _what;
    private readonly byte[] _header = new byte[ChunkedAesGcm.HeaderSize];
    private readonly byte[] _sealed = new byte[SealedSize];
    private readonly byte[] _plain = new byte[ChunkedAesGcm.ChunkSize];
    private readonly byte[] _nonce = new byte[ChunkedAesGcm.NonceSize];
    private readonly byte[] _associated = new byte[ChunkedAesGcm.AssociatedDataSize];
    private AesGcm? _aes;
    private int _offset;
    private int _length;
    private uint _index;
    private bool _final;

    public DecryptingStream(Stream inner, BackupKey key, string what)
    {
        _inner = inner;
        _key = key;
        _what = what;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_offset == _length)
        {
            if (_final)
            {
                return 0;
            }

            await OpenNextAsync(cancellationToken).ConfigureAwait(false);
        }

        var n = Math.Min(buffer.Length, _length - _offset);
        _plain.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes?.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task OpenNextAsync(CancellationToken cancellationToken)
    {
        if (_aes is null)
        {
            await ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        }

        var n = await _inner.ReadAtLeastAsync(_sealed, SealedSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (n < ChunkedAesGcm.TagSize)
        {
            throw new PitcrewException(
                $"{_what}: truncated: the encrypted object ends after chunk {_index} without its final chunk", ExitCodes.Truncated);
        }

        var final = n < SealedSize;
        var plain = n - ChunkedAesGcm.TagSize;
        ChunkedAesGcm.Nonce(_header, _index, _nonce);
        ChunkedAesGcm.AssociatedData(_header, _index, final, _associated);
        try
        {
            _aes!.Decrypt(_nonce, _sealed.AsSpan(0, plain), _sealed.AsSpan(plain, ChunkedAesGcm.TagSize), _plain.AsSpan(0, plain), _associated);
        }
        catch (AuthenticationTagMismatchException e)
        {
            throw new PitcrewException(
                $"{_what}: tampered or truncated: encrypted chunk {_index} fails authentication; do not restore from it", ExitCodes.Corrupt, e);
        }

        if (final && await _inner.ReadAsync(_sealed.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
        {
            throw new PitcrewException($"{_what}: tampered: data follows the final encrypted chunk", ExitCodes.Corrupt);
        }

        _final = final;
        _offset = 0;
        _length = plain;
        _index = checked(_index + 1);
    }

    private async Task ReadHeaderAsync(CancellationToken cancellationToken)
    {
        var n = await _inner.ReadAtLeastAsync(_header, _header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (n < _header.Length || !_header.AsSpan(0, 8).SequenceEqual(ChunkedAesGcm.Magic))
        {
            throw new PitcrewException($"{_what}: not a Pitcrew encrypted object (bad header)", ExitCodes.Corrupt);
        }

        if (_header[8] != ChunkedAesGcm.Version || _header[9] != ChunkedAesGcm.AesGcm256 || _header[10] != ChunkedAesGcm.ChunkSizeLog2)
        {
            throw new PitcrewException(
                $"{_what}: encrypted with format version {_header[8]}, algorithm {_header[9]}; this Pitcrew reads version {ChunkedAesGcm.Version}",
                ExitCodes.Corrupt);
        }

        var id = ChunkedAesGcm.KeyIdOf(_header);
        if (!id.SequenceEqual(_key.Id))
        {
            throw new PitcrewException(
                $"{_what}: wrong key: the object was encrypted with key {BackupKey.FingerprintOf(id)}, --encrypt-key-file is key {_key.Fingerprint}",
                ExitCodes.TlsOrAuth);
        }

        _aes = new AesGcm(_key.Material, ChunkedAesGcm.TagSize);
    }
}
