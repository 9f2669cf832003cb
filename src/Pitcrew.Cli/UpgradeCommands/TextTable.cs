namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>
/// Plain, left-aligned columns separated by three spaces, as kubeadm's tabwriter prints its tables. A cell holding
/// several lines (separated by \n) makes its row as tall, the other cells blank below their first line.
/// </summary>
internal static class TextTable
{
    public static IEnumerable<string> Format(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var split = rows.Select(r => r.Select(c => c.Split('\n')).ToArray()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, split.Count == 0 ? 0 : split.Max(r => r[i].Max(l => l.Length)))).ToArray();
        string Line(IEnumerable<string> cells) => string.Join("   ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        yield return Line(headers);
        foreach (var row in split)
        {
            var height = row.Max(c => c.Length);
            for (var line = 0; line < height; line++)
            {
                yield return Line(row.Select(c => line < c.Length ? c[line] : string.Empty));
            }
        }
    }
}
