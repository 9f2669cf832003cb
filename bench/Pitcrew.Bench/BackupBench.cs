using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Pitcrew.Etcd;

namespace Pitcrew.Bench;

/// <summary>
/// etcdctl snapshot save to local disk against pitcrew etcd backup create --compress --encrypt-key-file to s3rver,
/// in one run on one database of at least the target size: throughput ratio and pitcrew's peak RSS.
/// </summary>
internal static partial class BackupBench
{
    private const string Bucket = "bench";

    public static async Task<int> RunAsync(BenchOptions options, string s3rver, CancellationToken cancellationToken)
    {
        var root = Directory.CreateTempSubdirectory("pitcrew-backup-bench-").FullName;
        Process? s3 = null;
        try
        {
            await using var etcd = await LocalEtcd.StartAsync(Path.Combine(root, "data"), "bench", TimeProvider.System, cancellationToken);
            await Loader.LoadAsync(etcd.ClientUrl, options.TargetBytes, cancellationToken);
            (s3, var endpoint) = await StartS3Async(s3rver, Path.Combine(root, "s3"), cancellationToken);
            var key = Path.Combine(root, "backup.key");
            await File.WriteAllTextAsync(key, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), cancellationToken);
            var work = Directory.CreateDirectory(Path.Combine(root, "work")).FullName;

            var rows = new List<(string Tool, Measured Run, long Bytes)>();
            for (var round = 1; round <= options.Rounds; round++)
            {
                var order = round % 2 == 1 ? new[] { "etcdctl", "pitcrew" } : ["pitcrew", "etcdctl"];
                foreach (var tool in order)
                {
                    if (tool == "etcdctl")
                    {
                        var path = Path.Combine(root, $"etcdctl-{round}.db");
                        var run = await Checked(Measured.RunAsync(BenchOptions.Etcdctl, ["--endpoints", etcd.ClientUrl, "snapshot", "save", path], cancellationToken));
                        rows.Add((tool, run, new FileInfo(path).Length));
                        File.Delete(path);
                    }
                    else
                    {
                        var run = await Checked(Measured.RunAsync(options.PitcrewBinary,
                        [
                            "etcd", "backup", "create", "--store", $"s3://{Bucket}/round{round}", "--s3-endpoint", endpoint, "--compress",
                            "--encrypt-key-file", key, "--work-dir", work, "--endpoints", etcd.ClientUrl, "-o", "json",
                        ], cancellationToken, new Dictionary<string, string> { ["AWS_ACCESS_KEY_ID"] = "S3RVER", ["AWS_SECRET_ACCESS_KEY"] = "S3RVER" }));
                        var size = long.Parse(SnapshotSize().Match(run.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
                        var stored = long.Parse(StoredSize().Match(run.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);
                        Console.Error.WriteLine($"round {round}: pitcrew stored {stored / 1e6:0} MB for a {size / 1e6:0} MB snapshot");
                        rows.Add((tool, run, size));
                    }
                }
            }

            Print(rows);
            return 0;
        }
        finally
        {
            if (s3 is not null)
            {
                s3.Kill(entireProcessTree: true);
                await s3.WaitForExitAsync(CancellationToken.None);
                s3.Dispose();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static void Print(List<(string Tool, Measured Run, long Bytes)> rows)
    {
        double Rate((string Tool, Measured Run, long Bytes) r) => r.Bytes / 1e6 / r.Run.Wall.TotalSeconds;
        var etcdctl = rows.Where(r => r.Tool == "etcdctl").Select(Rate).Order().ToList();
        var pitcrew = rows.Where(r => r.Tool == "pitcrew").Select(Rate).Order().ToList();
        var medianEtcdctl = etcdctl[etcdctl.Count / 2];
        var medianPitcrew = pitcrew[pitcrew.Count / 2];
        Console.WriteLine($"| tool | operation | snapshot | wall (median) | MB/s (median) | peak RSS (max) |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var tool in new[] { "etcdctl", "pitcrew" })
        {
            var runs = rows.Where(r => r.Tool == tool).ToList();
            var wall = runs.Select(r => r.Run.Wall.TotalSeconds).Order().ToList()[runs.Count / 2];
            var operation = tool == "etcdctl" ? "snapshot save to local disk" : "backup create --compress --encrypt-key-file to s3rver";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {tool} | {operation} | {runs[0].Bytes / 1e6:0} MB | {wall:0.00} s | {(tool == "etcdctl" ? medianEtcdctl : medianPitcrew):0} | {runs.Max(r => r.Run.PeakRssKb) / 1024.0:0} MB |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput ratio pitcrew/etcdctl: {medianPitcrew / medianEtcdctl:0.00} (target >= 0.70); pitcrew peak RSS {rows.Where(r => r.Tool == "pitcrew").Max(r => r.Run.PeakRssKb) / 1024.0:0} MB (target < 200 MB)"));
    }

    private static async Task<(Process Process, string Endpoint)> StartS3Async(string binary, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-d", directory, "-a", "127.0.0.1", "-p", "0", "--silent", "--configure-bucket", Bucket })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start s3rver");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && Listening().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(match.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var port = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return (process, $"http://127.0.0.1:{port}");
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

    [GeneratedRegex(@"S3rver listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex Listening();

    [GeneratedRegex(@"""snapshot"":\s*\{[^}]*?""size"":\s*(\d+)", RegexOptions.Singleline)]
    private static partial Regex SnapshotSize();

    [GeneratedRegex(@"""stored"":\s*\{[^}]*?""size"":\s*(\d+)", RegexOptions.Singleline)]
    private static partial Regex StoredSize();
}
