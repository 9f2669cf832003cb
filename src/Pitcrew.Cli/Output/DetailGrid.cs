using System.Globalization;
using Spectre.Console;

namespace Pitcrew.Cli.Output;

/// <summary>The two-column label/value grid the human renderers print details in, and their number format.</summary>
internal static class DetailGrid
{
    /// <summary>An empty grid: labels unwrapped with two spaces after them, values in the rest.</summary>
    public static Grid New()
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().NoWrap().PadRight(2));
        grid.AddColumn();
        return grid;
    }

    /// <summary>One label and its value, both printed as they are (no markup).</summary>
    public static void Row(Grid grid, string label, string value) => grid.AddRow(Markup.Escape(label), Markup.Escape(value));

    /// <summary>A count with thousands separators, the same in every culture.</summary>
    public static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
