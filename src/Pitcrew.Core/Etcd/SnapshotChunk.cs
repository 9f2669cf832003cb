using System.Buffers;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Pitcrew.Etcd;

/// <summary>
/// One Maintenance.Snapshot message, decoded straight into a pooled buffer instead of a fresh ByteString,
/// so memory stays flat however large the database is. Return it with <see cref="Dispose"/> once written.
/// </summary>
internal sealed class SnapshotChunk : IDisposable
{
    private const int RemainingBytesField = 2;
    private const int BlobField = 3;

    private byte[] _buffer;

    private SnapshotChunk(byte[] buffer, int length, ulong remainingBytes)
    {
        _buffer = buffer;
        Length = length;
        RemainingBytes = remainingBytes;
    }

    public int Length { get; }

    public ulong RemainingBytes { get; }

    public ReadOnlyMemory<byte> Blob => _buffer.AsMemory(0, Length);

    /// <summary>The streaming method with a pooled-buffer decoder for its responses.</summary>
    public static readonly Method<SnapshotRequest, SnapshotChunk> Method = new(
        MethodType.ServerStreaming,
        "etcdserverpb.Maintenance",
        "Snapshot",
        Marshallers.Create(request => request.ToByteArray(), SnapshotRequest.Parser.ParseFrom),
        new Marshaller<SnapshotChunk>((_, _) => throw new NotSupportedException("snapshot chunks are only received"), Decode));

    public void Dispose()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }

    private static SnapshotChunk Decode(DeserializationContext context)
    {
        var reader = new SequenceReader<byte>(context.PayloadAsReadOnlySequence());
        ulong remaining = 0;
        byte[]? blob = null;
        var blobLength = 0;
        while (!reader.End)
        {
            var tag = ReadVarint(ref reader);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    var number = ReadVarint(ref reader);
                    if (field == RemainingBytesField)
                    {
                        remaining = number;
                    }

                    break;
                case 2:
                    var length = checked((int)ReadVarint(ref reader));
                    if (field == BlobField)
                    {
                        blob = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                        if (!reader.TryCopyTo(blob.AsSpan(0, length)))
                        {
                            throw new InvalidDataException("snapshot message shorter than its blob length");
                        }

                        blobLength = length;
                    }

                    reader.Advance(length);
                    break;
                case 1:
                    reader.Advance(8);
                    break;
                case 5:
                    reader.Advance(4);
                    break;
                default:
                    throw new InvalidDataException($"unexpected protobuf wire type in snapshot message (tag {tag})");
            }
        }

        return new SnapshotChunk(blob ?? [], blobLength, remaining);
    }

    private static ulong ReadVarint(ref SequenceReader<byte> reader)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (!reader.TryRead(out var b))
            {
                throw new InvalidDataException("truncated varint in snapshot message");
            }

            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("varint too long in snapshot message");
    }
}
