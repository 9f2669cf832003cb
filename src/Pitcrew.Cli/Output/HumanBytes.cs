using System.Globalization;

namespace Pitcrew.Cli.Output;

/// <summary>Byte counts as etcdctl prints them (SI units, go-humanize) and as operators read them (IEC).</summary>
internal static class HumanBytes
{
    private static readonly string[] SiUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];

    /// <summary>etcdctl's TOTAL SIZE column: 24576 is "25 kB", 35033088 is "35 MB" (Go rounds ties to even).</summary>
    public static string Si(long bytes)
    {
        if (bytes < 10)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        }

        var exponent = (int)Math.Floor(Math.Log(bytes) / Math.Log(1000));
        var value = Math.Floor((bytes / Math.Pow(1000, exponent) * 10) + 0.5) / 10;
        return value < 10
            ? string.Format(CultureInfo.InvariantCulture, "{0:0.0} {1}", value, SiUnits[exponent])
            : string.Format(CultureInfo.InvariantCulture, "{0} {1}", Math.Round(value, MidpointRounding.ToEven), SiUnits[exponent]);
    }

    /// <summary>Megabytes per second, SI, one decimal.</summary>
    public static string Rate(double bytesPerSecond) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytesPerSecond / 1e6:0.0} MB/s");
}
