using System.Buffers;
using System.Security.Cryptography;
using Amazon.S3.Model;

// S3's ETag is the MD5 of the body (of each part's MD5s for multipart): compared to read back an upload, not for security.
#pragma warning disable CA5351

namespace Pitcrew.Backups.Stores;

/// <summary>
/// Streams an object to S3 in 8 MiB parts with at most two parts in flight, so memory stays at three part buffers
/// whatever the size. A body smaller than one part is sent as one PutObject. Commit completes the upload and reads
/// the object's size and ETag back, comparing them with what was sent.
/// </summary>
internal sealed class S3Upload : IObjectUpload
{
    public const int PartSize = 8 << 20;
    private const int PartsInFlight = 2;

    private readonly S3BackupStore _store;
    private readonly string _name;
    private readonly SemaphoreSlim _slots = new(PartsInFlight, PartsInFlight);
    private readonly List<Task<PartETag>> _parts = [];
    private readonly List<byte[]> _partMd5s = [];
    private readonly IncrementalHash _wholeMd5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly PartStream _stream;
    private string? _uploadId;
    private long _bytes;
    private bool _committed;

    public S3Upload(S3BackupStore store, string name)
    {
        _store = store;
        _name = name;
        _stream = new PartStream(this);
    }

    public Stream Stream => _stream;

    public async Task<StoredObject> CommitAsync(CancellationToken cancellationToken)
    {
        var last = _stream.TakeBuffer();
        string expectedETag;
        if (_uploadId is null)
        {
            await _store.PutAsync(_name, last.Memory, ifNoneMatch: false, cancellationToken).ConfigureAwait(false);
            _wholeMd5.AppendData(last.Memory.Span);
            expectedETag = Convert.ToHexStringLower(MD5.HashData(last.Memory.Span));
            last.Return();
        }
        else
        {
            if (last.Length > 0 || _parts.Count == 0)
            {
                await StartPartAsync(last, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                last.Return();
            }

            var etags = await Task.WhenAll(_parts).ConfigureAwait(false);
            await _store.CompleteAsync(_name, _uploadId, etags, cancellationToken).ConfigureAwait(false);
            expectedETag = Convert.ToHexStringLower(MD5.HashData(_partMd5s.SelectMany(m => m).ToArray())) + "-" + etags.Length;
        }

        // Some S3-compatible services (s3rver among them) give a multipart object the MD5 of its whole body.
        var wholeETag = Convert.ToHexStringLower(_wholeMd5.GetHashAndReset());

        _committed = true;
        var stored = await _store.StatAsync(_name, cancellationToken).ConfigureAwait(false)
            ?? throw new PitcrewException($"{_store.Location}: {_name} is missing right after its upload", ExitCodes.Failed);
        if (stored.Size != _bytes)
        {
            throw new PitcrewException($"{_store.Location}: {_name} reads back as {stored.Size} bytes, {_bytes} were sent", ExitCodes.Corrupt);
        }

        // Services that encrypt at rest with KMS report other ETags; only an MD5-shaped ETag is comparable.
        if (stored.ETag is { } etag && IsMd5Shaped(etag)
            && !string.Equals(etag, expectedETag, StringComparison.OrdinalIgnoreCase) && !string.Equals(etag, wholeETag, StringComparison.OrdinalIgnoreCase))
        {
            throw new PitcrewException($"{_store.Location}: {_name} reads back with ETag {etag}, expected {expectedETag}", ExitCodes.Corrupt);
        }

        return stored;
    }

    public async ValueTask DisposeAsync()
    {
        _stream.TakeBuffer().Return();
        foreach (var part in _parts)
        {
            await ((Task)part).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (!_committed && _uploadId is not null)
        {
            await _store.AbortAsync(_store.KeyOf(_name), _uploadId, CancellationToken.None).ConfigureAwait(false);
        }

        _slots.Dispose();
        _wholeMd5.Dispose();
    }

    private static bool IsMd5Shaped(string etag)
    {
        var dash = etag.IndexOf('-', StringComparison.Ordinal);
        var hex = dash < 0 ? etag : etag[..dash];
        return hex.Length == 32 && hex.All(char.IsAsciiHexDigit);
    }

    private async Task StartPartAsync(PartBuffer buffer, CancellationToken cancellationToken)
    {
        _uploadId ??= (await _store.InitiateAsync(_name, cancellationToken).ConfigureAwait(false)).UploadId;
        var number = _parts.Count + 1;
        _partMd5s.Add(MD5.HashData(buffer.Memory.Span));
        _wholeMd5.AppendData(buffer.Memory.Span);
        var failed = _parts.FirstOrDefault(p => p.IsFaulted);
        if (failed is not null)
        {
            buffer.Return();
            await failed.ConfigureAwait(false);
        }

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var uploadId = _uploadId;
        _parts.Add(Task.Run(async () =>
        {
            try
            {
                var response = await _store.UploadPartAsync(_name, uploadId, number, buffer.Memory, cancellationToken).ConfigureAwait(false);
                return new PartETag(number, response.ETag);
            }
            finally
            {
                buffer.Return();
                _slots.Release();
            }
        }, cancellationToken));
    }

    /// <summary>A rented part buffer and how much of it is filled.</summary>
    private sealed class PartBuffer
    {
        private byte[]? _array = ArrayPool<byte>.Shared.Rent(PartSize);

        public int Length { get; set; }

        public Memory<byte> Memory => _array.AsMemory(0, Length);

        public Span<byte> Free => _array.AsSpan(Length, PartSize - Length);

        public void Return()
        {
            if (_array is { } array)
            {
                _array = null;
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }

    private sealed class PartStream(S3Upload upload) : ForwardWriteStream
    {
        private PartBuffer _current = new();

        public override long Length => upload._bytes;

        public override long Position
        {
            get => upload._bytes;
            set => throw new NotSupportedException();
        }

        public PartBuffer TakeBuffer()
        {
            var taken = _current;
            _current = new PartBuffer();
            return taken;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (buffer.Length > 0)
            {
                var n = Math.Min(buffer.Length, _current.Free.Length);
                buffer.Span[..n].CopyTo(_current.Free);
                _current.Length += n;
                upload._bytes += n;
                buffer = buffer[n..];
                if (_current.Length == PartSize)
                {
                    await upload.StartPartAsync(TakeBuffer(), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _current.Return();
            }

            base.Dispose(disposing);
        }
    }
}
