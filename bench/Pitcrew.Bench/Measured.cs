using System.Diagnostics;
using System.Globalization;

namespace Pitcrew.Bench;

/// <summary>One timed run of a command: wall time, the child's own peak RSS and CPU time (user + system), exit code and output.</summary>
internal sealed record Measured(TimeSpan Wall, long PeakRssKb, int ExitCode, string Stdout, string Stderr)
{
    public TimeSpan Cpu { get; init; }

    /// <summary>Runs the command under /usr/bin/time, which reports the child's max RSS in KiB.</summary>
    public static async Task<Measured> RunAsync(
        string file, IEnumerable<string> args, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var rssFile = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo(BenchOptions.Time) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "-f", "%M %U %S", "-o", rssFile, file }.Concat(args))
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["ETCDCTL_API"] = "3";
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            var watch = Stopwatch.StartNew();
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            watch.Stop();
            var line = (await File.ReadAllLinesAsync(rssFile, cancellationToken)).LastOrDefault(l => l.Length > 0 && char.IsDigit(l[0]))?.Split(' ') ?? ["0", "0", "0"];
            var cpu = double.Parse(line[1], CultureInfo.InvariantCulture) + double.Parse(line[2], CultureInfo.InvariantCulture);
            return new Measured(watch.Elapsed, long.Parse(line[0], CultureInfo.InvariantCulture), process.ExitCode, await stdout, await stderr)
            {
                Cpu = TimeSpan.FromSeconds(cpu),
            };
        }
        finally
        {
            File.Delete(rssFile);
        }
    }
}
