using System.Security.Cryptography;

namespace Pitcrew.Backups.Crypto;

/// <summary>Write-only: encrypts into <see cref="ChunkedAesGcm"/> chunks; <see cref="FinishAsync"/> writes the final chunk.</summary>
internal sealed class EncryptingStream : ForwardWriteStream
{
    private readonly Stream _inner;
    private readonly AesGcm _aes;
    private readonly byte[] _header;
    private readonly byte[] _plain = new byte[ChunkedAesGcm.ChunkSize];
    private readonly byte[] _sealed = new byte[ChunkedAesGcm.ChunkSize + ChunkedAesGcm.TagSize];
    private readonly byte[] _nonce = new byte[ChunkedAesGcm.NonceSize];
    private readonly byte[] _associated = new byte[ChunkedAesGcm.AssociatedDataSize];
    private int _filled;
    private uint _index;
    private bool _headerWritten;
    private bool _finished;

    public EncryptingStream(Stream inner, BackupKey key)
    {
        _inner = inner;
        _aes = new AesGcm(key.Material, ChunkedAesGcm.TagSize);
        _header = ChunkedAesGcm.NewHeader(key);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        while (buffer.Length > 0)
        {
            var n = Math.Min(buffer.Length, _plain.Length - _filled);
            buffer[..n].CopyTo(_plain.AsMemory(_filled));
            _filled += n;
            buffer = buffer[n..];
            if (_filled == _plain.Length)
            {
                await SealAsync(final: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Seals the remaining bytes as the final chunk; the stream accepts no more writes.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        await SealAsync(final: true, cancellationToken).ConfigureAwait(false);
        _finished = true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_plain);
        }

        base.Dispose(disposing);
    }

    private async Task SealAsync(bool final, CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            await _inner.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
            _headerWritten = true;
        }

        ChunkedAesGcm.Nonce(_header, _index, _nonce);
        ChunkedAesGcm.AssociatedData(_header, _index, final, _associated);
        _aes.Encrypt(_nonce, _plain.AsSpan(0, _filled), _sealed.AsSpan(0, _filled), _sealed.AsSpan(_filled, ChunkedAesGcm.TagSize), _associated);
        await _inner.WriteAsync(_sealed.AsMemory(0, _filled + ChunkedAesGcm.TagSize), cancellationToken).ConfigureAwait(false);
        _filled = 0;
        _index = checked(_index + 1);
    }
}
