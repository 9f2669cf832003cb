using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests;

public sealed class DemoTests
{
    [Fact]
    public async Task Demo_RunsTheSimulatedClusterAndItsBackupEndToEndAndCleansUp()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pitcrew-demo-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = await CliRun.InvokeAsync(null, TimeSpan.FromMinutes(4), "demo", "--dir", dir);
            Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
            Assert.Contains("Snapshot saved at", run.Stdout, StringComparison.Ordinal);
            Assert.Contains(": OK (revision", run.Stdout, StringComparison.Ordinal);
            Assert.Contains("| pods", run.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"\| shop\s+\| db\s+\| 2\s+\| 2\s+\| 0", run.Stdout);
            Assert.Matches(@"\| worker-2 \| Unknown \| node.kubernetes.io/unreachable:NoSchedule", run.Stdout);
            Assert.True(File.Exists(Path.Combine(dir, "snapshot.db")));

            // The upgrade rehearsal: every node of the second cluster at v1.30.14, its report written.
            Assert.Contains("upgrade v1.29.15 -> v1.30.14: upgraded", run.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"\| worker-2 \| True\s+\|\s+\| v1\.30\.14", run.Stdout);
            Assert.Single(Directory.GetFiles(Path.Combine(dir, "upgrade"), "upgrade-report-*.html"));
            var pid = System.Text.RegularExpressions.Regex.Match(run.Stdout, @"\(pid ([0-9]+)\)").Groups[1].Value;
            Assert.NotEmpty(pid);
            Assert.False(Directory.Exists($"/proc/{pid}"), "the demo's etcd must be stopped");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
