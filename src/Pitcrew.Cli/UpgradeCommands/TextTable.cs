using Spectre.Console;

namespace Pitcrew.Cli.UpgradeCommands;

/// <summary>
/// Plain, left-aligned columns separated by three spaces, as kubeadm's tabwriter prints its tables. A cell holding
/// several lines (separated by \n) makes its row as tall, the other cells blank below their first line. Given a width,
/// the widest columns are narrowed until the table fits and their cells wrap at spaces.
/// </summary>
internal static class TextTable
{
    /// <summary>The width for output that is not a terminal (a file, a pipe, a log): readable anywhere, wrapped where needed.</summary>
    public const int PlainWidth = 120;

    private const string Gap = "   ";

    /// <summary>No column is narrowed below this (or its header).</summary>
    private const int MinColumn = 12;

    /// <summary>The terminal's width, or <see cref="PlainWidth"/> when the console is not an interactive terminal.</summary>
    public static int WidthFor(IAnsiConsole console) => console.Profile.Capabilities.Interactive ? Math.Max(40, console.Profile.Width) : PlainWidth;

    public static IEnumerable<string> Format(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, int? maxWidth = null)
    {
        var split = rows.Select(r => r.Select(c => c.Split('\n')).ToArray()).ToList();
        var natural = headers.Select((h, i) => Math.Max(h.Length, split.Count == 0 ? 0 : split.Max(r => r[i].Max(l => l.Length)))).ToArray();
        var widths = maxWidth is { } max ? Fit(headers, natural, max) : natural;
        if (!widths.SequenceEqual(natural))
        {
            split = [.. split.Select(r => r.Select((c, i) => c.SelectMany(l => Wrap(l, widths[i])).ToArray()).ToArray())];
        }

        string Line(IEnumerable<string> cells) => string.Join(Gap, cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
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

    /// <summary>Column widths within <paramref name="max"/>: narrow columns keep their width, the room left is shared among the wide ones.</summary>
    private static int[] Fit(IReadOnlyList<string> headers, int[] natural, int max)
    {
        var room = max - (Gap.Length * (natural.Length - 1));
        if (natural.Sum() <= room)
        {
            return natural;
        }

        var widths = new int[natural.Length];
        var left = natural.Length;
        foreach (var i in Enumerable.Range(0, natural.Length).OrderBy(i => natural[i]))
        {
            var share = room / left;
            widths[i] = Math.Min(natural[i], Math.Max(share, Math.Max(MinColumn, headers[i].Length)));
            room -= widths[i];
            left--;
        }

        return widths;
    }

    /// <summary>A line cut at spaces into pieces of at most <paramref name="width"/>; a word longer than that is cut where it must be.</summary>
    private static IEnumerable<string> Wrap(string line, int width)
    {
        var current = string.Empty;
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var rest = word;
            while (rest.Length > 0)
            {
                var candidate = current.Length == 0 ? rest : $"{current} {rest}";
                if (candidate.Length <= width)
                {
                    current = candidate;
                    rest = string.Empty;
                }
                else if (current.Length > 0)
                {
                    yield return current;
                    current = string.Empty;
                }
                else
                {
                    yield return rest[..width];
                    rest = rest[width..];
                }
            }
        }

        if (current.Length > 0 || line.Length == 0)
        {
            yield return current;
        }
    }
}
