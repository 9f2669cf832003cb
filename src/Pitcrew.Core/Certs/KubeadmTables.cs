using System.Globalization;
using System.Text;
using Pitcrew.Doctor;

namespace Pitcrew.Certs;

/// <summary>
/// `kubeadm certs check-expiration`'s two tables as text (pure): the leaves (CERTIFICATE, EXPIRES, RESIDUAL TIME,
/// CERTIFICATE AUTHORITY, EXTERNALLY MANAGED), a blank line, then the authorities; columns aligned as Go's tabwriter
/// aligns kubeadm's (at least 10 wide, 3 spaces of padding, the last column unpadded).
/// </summary>
internal static class KubeadmTables
{
    private const int MinWidth = 10;
    private const int Padding = 3;

    /// <summary>kubeadm's date: "Dec 08, 2027 01:02 UTC".</summary>
    public static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("MMM dd, yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture);

    public static IReadOnlyList<string> Render(IReadOnlyList<CertificateRow> rows)
    {
        var leaves = rows.Where(r => !r.IsAuthority)
            .Select(r => new[] { r.Certificate, Date(r.Expires), r.ResidualTime, r.Authority ?? string.Empty, YesNo(r.ExternallyManaged) });
        var authorities = rows.Where(r => r.IsAuthority).Select(r => new[] { r.Certificate, Date(r.Expires), r.ResidualTime, YesNo(r.ExternallyManaged) });
        return
        [
            .. Align(["CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY", "EXTERNALLY MANAGED"], leaves),
            string.Empty,
            .. Align(["CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED"], authorities),
        ];
    }

    /// <summary>Lines with every column but the last padded to its widest cell plus 3 (at least 10).</summary>
    public static IReadOnlyList<string> Align(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count - 1).Select(c => Math.Max(MinWidth, all.Max(r => r[c].Length) + Padding)).ToArray();
        return [.. all.Select(r =>
        {
            var line = new StringBuilder();
            for (var c = 0; c < r.Count; c++)
            {
                line.Append(c < widths.Length ? r[c].PadRight(widths[c]) : r[c]);
            }

            return line.ToString();
        })];
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
