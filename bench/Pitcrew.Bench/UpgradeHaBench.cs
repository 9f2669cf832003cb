using System.Globalization;
using Pitcrew.Upgrade.Apply;

namespace Pitcrew.Bench;

/// <summary>
/// pitcrew upgrade apply v1.31.14 -> v1.32.13 on 3 stacked control planes (one real etcd member each; the new etcd
/// image restarts every member) and a few workers, with no etcd flags (found through the etcd pods, as on kubeadm).
/// Per control plane: the time of its components (kubeadm upgrade apply/node, the etcd gate) and of its kubelet, and
/// Pitcrew's own time (the part's span minus its node commands, drain and wait-ready).
/// </summary>
internal static class UpgradeHaBench
{
    public static async Task<int> RunAsync(string pitcrew, int workers, int kubeletRestartSeconds, CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("pitcrew-upgradebench-ha-").FullName;
        var sim = Path.Combine(dir, "sim");
        var scenario = Path.Combine(dir, "scenario.yaml");
        await File.WriteAllTextAsync(scenario, $$"""
            version: v1.31.14
            nodes:
              - { name: cp, count: 3, role: control-plane }
              - { name: worker, count: {{workers}} }
            """, ct);
        var releases = Path.Combine(dir, "releases.yaml");
        await File.WriteAllTextAsync(releases, """
            asOf: 2026-11-01
            minors:
              - { minor: v1.31, latest: v1.31.14, released: 2024-08-13, endOfLife: 2099-01-01, etcd: 3.5.15-0, coredns: v1.11.3 }
              - { minor: v1.32, latest: v1.32.13, released: 2024-12-11, endOfLife: 2099-01-01, etcd: 3.5.16-0, coredns: v1.11.3 }
            """, ct);
        try
        {
            var up = await Measured.RunAsync(pitcrew, ["sim", "up", "--scenario", scenario, "--dir", sim, "--detach", "--kubelet-restart", $"{kubeletRestartSeconds}s"], ct);
            if (up.ExitCode != 0)
            {
                Console.Error.WriteLine($"sim up failed ({up.ExitCode}): {up.Stderr}");
                return 1;
            }

            // The sim's kubelets and control-plane pods settle a few seconds after sim up returns.
            await Task.Delay(TimeSpan.FromSeconds(10), ct);
            var state = Path.Combine(dir, "state");
            var run = await Measured.RunAsync(pitcrew,
            [
                "upgrade", "apply", "--kubeconfig", Path.Combine(sim, "kubeconfig"), "--releases", releases, "--executor", "sim",
                "--store", "file://" + Path.Combine(dir, "backups"), "--state-dir", state, "--yes", "--bake", "2s", "--force", "--to", "v1.32", "--canary", "0",
            ], ct);
            Directory.CreateDirectory(Path.Combine("bench", "out"));
            await File.WriteAllTextAsync(Path.Combine("bench", "out", "upgrade-output-ha.txt"), run.Stdout + run.Stderr, ct);
            if (run.ExitCode != 0)
            {
                Console.Error.WriteLine($"upgrade apply on 3 control planes failed ({run.ExitCode}):\n{run.Stderr}");
                return 1;
            }

            var journal = await UpgradeJournal.LoadAsync(state, ct) ?? throw new InvalidOperationException("no journal");
            File.Copy(Path.Combine(state, UpgradeJournal.FileName), Path.Combine("bench", "out", "upgrade-journal-ha.json"), overwrite: true);
            Console.WriteLine();
            Console.WriteLine($"upgrade apply v1.31.14 -> v1.32.13 (etcd 3.5.15-0 -> 3.5.16-0), 3 stacked control planes + {workers} workers, kubelet restart {kubeletRestartSeconds} s:");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  total wall time (s)                {run.Wall.TotalSeconds,8:F1}   peak RSS {run.PeakRssKb / 1024:N0} MB"));
            Console.WriteLine("  control plane   components (s)  of which Pitcrew (s)   kubelet (s)  of which Pitcrew (s)");
            foreach (var node in journal.Entries.Where(e => e.Node?.StartsWith("cp-", StringComparison.Ordinal) == true).GroupBy(e => e.Node!).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var parts = Parts([.. node]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {node.Key,-14} {parts.Components.Span,15:F2} {parts.Components.Own,21:F2} {parts.Kubelet.Span,13:F2} {parts.Kubelet.Own,21:F2}"));
            }

            return 0;
        }
        finally
        {
            await Measured.RunAsync(pitcrew, ["sim", "down", "--dir", sim], CancellationToken.None);
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// A control plane's two parts, each from its first entry to its done entry; Pitcrew's own time is the span minus the
    /// seconds of its steps that are not Pitcrew's (node commands, drain, wait-ready), so it is the gates and journal writes.
    /// </summary>
    private static ((double Span, double Own) Components, (double Span, double Own) Kubelet) Parts(List<JournalEntry> entries)
    {
        var result = new List<(double, double)>();
        DateTimeOffset? start = null;
        var work = 0.0;
        foreach (var entry in entries)
        {
            start ??= entry.At;
            if (UpgradeRunner.IsPartDoneId(entry.Step))
            {
                var span = (entry.At - start.Value).TotalSeconds;
                result.Add((span, span - work));
                start = null;
                work = 0;
            }
            else if (entry.State == StepState.Done && !entry.Step.EndsWith("/uncordon", StringComparison.Ordinal))
            {
                work += entry.Seconds ?? 0;
            }
        }

        return (result.ElementAtOrDefault(0), result.ElementAtOrDefault(1));
    }
}
