using System.Text.Json;
using Pitcrew.Etcd;

namespace Pitcrew.Bench;

/// <summary>snapshot restore, pitcrew against etcdctl, of one snapshot of at least the target size.</summary>
internal static class RestoreBench
{
    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pitcrew-bench-restore-").FullName;
        try
        {
            var snapshot = Path.Combine(root, "snap.db");
            await using (var etcd = await LocalEtcd.StartAsync(Path.Combine(root, "data"), "bench", TimeProvider.System, cancellationToken))
            {
                await Loader.LoadAsync(etcd.ClientUrl, options.TargetBytes, cancellationToken);
                await Checked(Measured.RunAsync(BenchOptions.Etcdctl, ["--endpoints", etcd.ClientUrl, "snapshot", "save", snapshot], cancellationToken));
            }

            Directory.Delete(Path.Combine(root, "data"), recursive: true);
            var results = new Results();
            for (var round = 1; round <= options.Rounds; round++)
            {
                // Alternate who goes first so neither always meets a warmer cache.
                var order = round % 2 == 1 ? new[] { "etcdctl", "pitcrew" } : ["pitcrew", "etcdctl"];
                foreach (var tool in order.Append("pitcrew (Kubernetes default: bump + compacted)"))
                {
                    var target = Path.Combine(root, $"restored-{round}");
                    results.Add(tool, "restore", await RestoreAsync(options, tool, snapshot, target, cancellationToken));
                    if (round == 1)
                    {
                        await CheckRevisionAsync(options, snapshot, target, cancellationToken);
                    }

                    Directory.Delete(target, recursive: true);
                }
            }

            results.Print(new FileInfo(snapshot).Length, options);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static Task<Measured> RestoreAsync(BenchOptions options, string tool, string snapshot, string target, CancellationToken cancellationToken)
    {
        string[] common = ["--data-dir", target, "--name", "m1", "--initial-cluster", "m1=http://127.0.0.1:2380",
            "--initial-advertise-peer-urls", "http://127.0.0.1:2380"];
        return Checked(tool switch
        {
            "etcdctl" => Measured.RunAsync(BenchOptions.Etcdctl, ["snapshot", "restore", snapshot, .. common], cancellationToken),
            "pitcrew" => Measured.RunAsync(options.PitcrewBinary, ["etcd", "snapshot", "restore", snapshot, .. common, "--bump-revision", "0"], cancellationToken),
            _ => Measured.RunAsync(options.PitcrewBinary, ["etcd", "snapshot", "restore", snapshot, .. common], cancellationToken),
        });
    }

    /// <summary>The restored database must hold the snapshot's revision (plus the bump when bumped).</summary>
    private static async Task CheckRevisionAsync(BenchOptions options, string snapshot, string target, CancellationToken cancellationToken)
    {
        var before = await Checked(Measured.RunAsync(options.PitcrewBinary, ["etcd", "snapshot", "status", snapshot, "-o", "json", "--skip-hash-check"], cancellationToken));
        var after = await Checked(Measured.RunAsync(options.PitcrewBinary,
            ["etcd", "snapshot", "status", Path.Combine(target, "member", "snap", "db"), "-o", "json", "--skip-hash-check"], cancellationToken));
        using var a = JsonDocument.Parse(before.Stdout);
        using var b = JsonDocument.Parse(after.Stdout);
        var revision = a.RootElement.GetProperty("revision").GetInt64();
        var restored = b.RootElement.GetProperty("revision").GetInt64();
        if (restored != revision && restored != revision + 1_000_000_000)
        {
            Console.Error.WriteLine($"MISMATCH: snapshot revision {revision}, restored {restored}");
        }
    }

    private static async Task<Measured> Checked(Task<Measured> run)
    {
        var measured = await run;
        if (measured.ExitCode != 0)
        {
            throw new InvalidOperationException($"a benchmarked command failed ({measured.ExitCode}): {measured.Stderr}");
        }

        return measured;
    }
}
