namespace Pitcrew.Sim.Api;

/// <summary>Kubernetes resource quantities ("250m", "2", "1.5", "128Mi", "1G", "1e3") as numbers.</summary>
internal static class Quantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024), ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m), ("u", 0.000001m), ("m", 0.001m), ("k", 1e3m), ("M", 1e6m), ("G", 1e9m), ("T", 1e12m), ("P", 1e15m), ("E", 1e18m),
    ];

    /// <summary>The quantity's value; null when it is not a quantity.</summary>
    public static decimal? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        foreach (var (suffix, factor) in Suffixes)
        {
            if (text.EndsWith(suffix, StringComparison.Ordinal) && decimal.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var scaled))
            {
                return scaled * factor;
            }
        }

        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain) ? plain : null;
    }

    /// <summary>The value in thousandths (CPU in millicores), rounded up as the scheduler does.</summary>
    public static long Milli(string? text) => Parse(text) is { } value ? (long)Math.Ceiling(value * 1000) : 0;

    /// <summary>The value as a whole number (memory in bytes), rounded up.</summary>
    public static long Whole(string? text) => Parse(text) is { } value ? (long)Math.Ceiling(value) : 0;
}
