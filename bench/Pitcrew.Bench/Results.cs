using System.Globalization;

namespace Pitcrew.Bench;

/// <summary>Collected runs per tool and operation, printed as a Markdown table with ratios against etcdctl.</summary>
internal sealed class Results
{
    private readonly Dictionary<(string Tool, string Operation), List<Measured>> _runs = [];

    public void Add(string tool, string operation, Measured measured)
    {
        if (!_runs.TryGetValue((tool, operation), out var list))
        {
            _runs[(tool, operation)] = list = [];
        }

        list.Add(measured);
    }

    public void Print(long snapshotBytes, BenchOptions options)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"snapshot: {snapshotBytes / 1e6:0} MB, {options.Rounds} rounds, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}"));
        Console.WriteLine();
        Console.WriteLine("| operation | tool | min wall | median wall | MB/s (median) | peak RSS (max) | wall ratio vs etcdctl (median) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var ((tool, operation), runs) in _runs.OrderBy(r => r.Key.Operation, StringComparer.Ordinal).ThenBy(r => r.Key.Tool, StringComparer.Ordinal))
        {
            var median = Median(runs);
            var baseline = Median(_runs[("etcdctl", operation)]);
            Console.WriteLine(string.Create(inv,
                $"| {operation} | {tool} | {runs.Min(r => r.Wall.TotalSeconds):0.00} s | {median:0.00} s | {snapshotBytes / 1e6 / median:0} | {runs.Max(r => r.PeakRssKb) / 1024.0:0} MB | {median / baseline:0.00} |"));
        }
    }

    private static double Median(List<Measured> runs)
    {
        var sorted = runs.Select(r => r.Wall.TotalSeconds).Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
