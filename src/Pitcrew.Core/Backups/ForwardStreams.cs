namespace Pitcrew.Backups;

/// <summary>
/// A stream passed through once from start to end, asynchronously only: no length, no position, no seeking, and
/// flushing does nothing (the derived class decides when bytes leave).
/// </summary>
internal abstract class ForwardStream : Stream
{
    public sealed override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override void Flush()
    {
    }

    public sealed override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>
/// A stream read once from start to end, asynchronously only (the backup pipeline never reads synchronously):
/// derived classes implement <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>; writing is not supported.
/// </summary>
internal abstract class ForwardReadStream : ForwardStream
{
    public sealed override bool CanRead => true;

    public sealed override bool CanWrite => false;

    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    public sealed override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>
/// A stream written once from start to end, asynchronously only: derived classes implement
/// <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>; reading is not supported.
/// </summary>
internal abstract class ForwardWriteStream : ForwardStream
{
    public sealed override bool CanRead => false;

    public sealed override bool CanWrite => true;

    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    public sealed override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("write asynchronously");

    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
