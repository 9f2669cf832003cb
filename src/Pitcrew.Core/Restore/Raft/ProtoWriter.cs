using System.Buffers;

namespace Pitcrew.Restore.Raft;

/// <summary>A minimal protobuf encoder: varint and length-delimited fields, in the order they are written.</summary>
internal sealed class ProtoWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public ProtoWriter Varint(int field, ulong value)
    {
        Raw(((ulong)field << 3) | 0);
        Raw(value);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Raw(((ulong)field << 3) | 2);
        Raw((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Raw(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }
}
