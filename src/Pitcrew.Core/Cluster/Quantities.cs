using System.Text.Json;
using k8s.Models;

namespace Pitcrew.Cluster;

/// <summary>
/// Resource quantities read from JSON as the doctor counts them: CPU in millicores and memory in bytes, rounded up. The
/// forms pods nearly always use ("250m", "2", "128Mi", "1G") are read from the bytes; anything else (fractions,
/// exponents, the rarer suffixes) goes through the client's <see cref="ResourceQuantity"/>, the same numbers either way.
/// </summary>
internal static class Quantities
{
    public static long MilliCpu(ref Utf8JsonReader reader) => Read(ref reader, milli: true);

    public static long Bytes(ref Utf8JsonReader reader) => Read(ref reader, milli: false);

    private static long Read(ref Utf8JsonReader reader, bool milli)
    {
        if (!reader.HasValueSequence && !reader.ValueIsEscaped && TryFast(reader.ValueSpan, milli, out var value))
        {
            return value;
        }

        try
        {
            var quantity = new ResourceQuantity(reader.GetString());
            return (long)Math.Ceiling(quantity.ToDecimal() * (milli ? 1000 : 1));
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            // The API server validates quantities; one it let through that this cannot read counts as nothing requested.
            return 0;
        }
    }

    /// <summary>Whole digits with no suffix or one of m, k, M, G, T, Ki, Mi, Gi, Ti.</summary>
    internal static bool TryFast(ReadOnlySpan<byte> text, bool milli, out long value)
    {
        value = 0;
        var digits = 0;
        long number = 0;
        while (digits < text.Length && text[digits] is >= (byte)'0' and <= (byte)'9')
        {
            if (digits == 15)
            {
                return false;
            }

            number = (number * 10) + (text[digits] - '0');
            digits++;
        }

        if (digits == 0)
        {
            return false;
        }

        var suffix = text[digits..];
        if (suffix.SequenceEqual("m"u8))
        {
            value = milli ? number : (number + 999) / 1000;
            return true;
        }

        long factor = suffix.Length switch
        {
            0 => 1,
            1 => suffix[0] switch { (byte)'k' => 1_000, (byte)'M' => 1_000_000, (byte)'G' => 1_000_000_000, (byte)'T' => 1_000_000_000_000, _ => 0 },
            2 when suffix[1] == 'i' => suffix[0] switch { (byte)'K' => 1L << 10, (byte)'M' => 1L << 20, (byte)'G' => 1L << 30, (byte)'T' => 1L << 40, _ => 0 },
            _ => 0,
        };
        if (factor == 0 || number > long.MaxValue / factor / 1000)
        {
            return false;
        }

        value = number * factor * (milli ? 1000 : 1);
        return true;
    }
}
