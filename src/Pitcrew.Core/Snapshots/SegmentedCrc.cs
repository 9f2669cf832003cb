using Pitcrew.Snapshots.Bolt;

namespace Pitcrew.Snapshots;

/// <summary>Hands out a range of bytes by offset and length.</summary>
internal delegate ReadOnlySpan<byte> RangeSource(long offset, int length);

/// <summary>
/// A CRC-32C over ranges of a mapped file, recorded in order during a walk and computed afterwards on every
/// core: each core hashes a contiguous share of the ranges from zero, and the shares are joined in order.
/// </summary>
internal sealed class SegmentedCrc
{
    /// <summary>Below this many bytes one core is faster than splitting.</summary>
    private const long ParallelThreshold = 32 << 20;

    private readonly List<(long Offset, int Length)> _segments = [];

    public long TotalBytes { get; private set; }

    /// <summary>Adds the next range; a range that continues the previous one extends it.</summary>
    public void Add(long offset, int length)
    {
        if (length == 0)
        {
            return;
        }

        TotalBytes += length;
        if (_segments.Count > 0)
        {
            var (lastOffset, lastLength) = _segments[^1];
            if (lastOffset + lastLength == offset && (long)lastLength + length <= int.MaxValue)
            {
                _segments[^1] = (lastOffset, lastLength + length);
                return;
            }
        }

        _segments.Add((offset, length));
    }

    public uint Compute(BoltFile file) =>
        Compute(file.Span, TotalBytes >= ParallelThreshold ? Environment.ProcessorCount : 1);

    /// <summary>Computes the checksum in the given number of shares, reading ranges from the source.</summary>
    public uint Compute(RangeSource source, int shares)
    {
        var bounds = Split(Math.Max(1, shares));
        var registers = new uint[bounds.Count];
        var lengths = new long[bounds.Count];
        Parallel.For(0, bounds.Count, share =>
        {
            var (from, to) = bounds[share];
            var register = share == 0 ? Crc32C.InitialRegister : 0u;
            long length = 0;
            for (var i = from; i < to; i++)
            {
                var (offset, count) = _segments[i];
                register = Crc32C.Update(register, source(offset, count));
                length += count;
            }

            registers[share] = register;
            lengths[share] = length;
        });

        var result = registers[0];
        for (var share = 1; share < registers.Length; share++)
        {
            result = Crc32C.Concat(result, registers[share], lengths[share]);
        }

        return Crc32C.Finish(result);
    }

    /// <summary>Cuts the segment list into shares of about equal bytes.</summary>
    private List<(int From, int To)> Split(int shares)
    {
        var bounds = new List<(int From, int To)>();
        var target = Math.Max(1, TotalBytes / shares);
        long accumulated = 0;
        var from = 0;
        for (var i = 0; i < _segments.Count; i++)
        {
            accumulated += _segments[i].Length;
            if (accumulated >= target * (bounds.Count + 1) && bounds.Count < shares - 1)
            {
                bounds.Add((from, i + 1));
                from = i + 1;
            }
        }

        bounds.Add((from, _segments.Count));
        return bounds;
    }
}
