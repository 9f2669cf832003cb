namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>Plain, left-aligned columns separated by three spaces, as kubeadm's tabwriter prints its tables.</summary>
internal static class TextTable
{
    public static IEnumerable<string> Format(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("   ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        yield return Line(headers);
        foreach (var row in rows)
        {
            yield return Line(row);
        }
    }
}
