using System.Globalization;
using System.Text.Json;
using Pitcrew.Etcd;

namespace Pitcrew.Bench;

/// <summary>snapshot save and snapshot status, pitcrew against etcdctl, on one database of at least the target size.</summary>
internal static class SnapshotBench
{
    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pitcrew-bench-").FullName;
        try
        {
            await using var etcd = await LocalEtcd.StartAsync(Path.Combine(root, "data"), "bench", TimeProvider.System, cancellationToken);
            await Loader.LoadAsync(etcd.ClientUrl, options.TargetBytes, cancellationToken);
            var results = new Results();
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Alternate who goes first so neither always meets a warmer cache.
                var order = round % 2 == 1 ? new[] { "etcdctl", "pitcrew" } : ["pitcrew", "etcdctl"];
                foreach (var tool in order)
                {
                    var path = Path.Combine(root, $"{tool}-{round}.db");
                    results.Add(tool, "save", await SaveAsync(options, tool, etcd.ClientUrl, path, cancellationToken));
                }

                CheckSame(Path.Combine(root, $"etcdctl-{round}.db"), Path.Combine(root, $"pitcrew-{round}.db"));
            }

            var file = Path.Combine(root, "etcdctl-1.db");
            for (var round = 1; round <= options.Rounds; round++)
            {
                var etcdctl = await StatusAsync(options, "etcdctl", file, [], cancellationToken);
                var pitcrew = await StatusAsync(options, "pitcrew", file, [], cancellationToken);
                var skip = await StatusAsync(options, "pitcrew", file, ["--skip-hash-check"], cancellationToken);
                CheckSameStatus(etcdctl, pitcrew);
                results.Add("etcdctl", "status", etcdctl);
                results.Add("pitcrew", "status", pitcrew);
                results.Add("pitcrew --skip-hash-check", "status", skip);
            }

            results.Print(new FileInfo(file).Length, options);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Task<Measured> SaveAsync(BenchOptions options, string tool, string endpoint, string path, CancellationToken cancellationToken) =>
        Checked(tool == "etcdctl"
            ? Measured.RunAsync(BenchOptions.Etcdctl, ["--endpoints", endpoint, "snapshot", "save", path], cancellationToken)
            : Measured.RunAsync(options.PitcrewBinary, ["etcd", "snapshot", "save", path, "--endpoints", endpoint], cancellationToken));

    private static Task<Measured> StatusAsync(BenchOptions options, string tool, string path, string[] extra, CancellationToken cancellationToken) =>
        Checked(tool == "etcdctl"
            ? Measured.RunAsync(BenchOptions.Etcdctl, ["snapshot", "status", path, "-w", "json"], cancellationToken)
            : Measured.RunAsync(options.PitcrewBinary, ["etcd", "snapshot", "status", path, "-o", "json", .. extra], cancellationToken));

    private static async Task<Measured> Checked(Task<Measured> run)
    {
        var measured = await run;
        if (measured.ExitCode != 0)
        {
            throw new InvalidOperationException($"a benchmarked command failed ({measured.ExitCode}): {measured.Stderr}");
        }

        return measured;
    }

    private static void CheckSame(string a, string b)
    {
        if (new FileInfo(a).Length != new FileInfo(b).Length)
        {
            Console.Error.WriteLine($"MISMATCH: {a} and {b} differ in size");
        }
    }

    private static void CheckSameStatus(Measured etcdctl, Measured pitcrew)
    {
        using var theirs = JsonDocument.Parse(etcdctl.Stdout);
        using var ours = JsonDocument.Parse(pitcrew.Stdout);
        foreach (var field in new[] { "hash", "revision", "totalKey", "totalSize" })
        {
            var expected = theirs.RootElement.GetProperty(field).GetRawText();
            var actual = ours.RootElement.GetProperty(field).GetRawText();
            if (expected != actual)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MISMATCH in {field}: etcdctl {expected}, pitcrew {actual}"));
            }
        }
    }
}
