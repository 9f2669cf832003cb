using System.Text.Json;
using Pitcrew.Errors;

namespace Pitcrew.Cli.Tests;

/// <summary>pitcrew sim up --detach, sim fault, sim exec and sim down, as an operator runs them.</summary>
public sealed class SimCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pitcrew-cli-sim-").FullName;

    [Fact]
    public async Task Detach_FaultAndDown_LeaveNothingRunning()
    {
        var up = await CliRun.InvokeAsync("sim", "up", "--detach", "--dir", _dir, "--workers", "1");
        Assert.True(up.ExitCode == ExitCodes.Ok, up.Stderr + await File.ReadAllTextAsync(Path.Combine(_dir, "sim.log"), TestContext.Current.CancellationToken));
        Assert.Contains($"export KUBECONFIG={Path.Combine(_dir, "kubeconfig")}", up.Stdout, StringComparison.Ordinal);
        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dir, "sim.json"), TestContext.Current.CancellationToken));
        var pid = state.RootElement.GetProperty("Pid").GetInt32();

        var fault = await CliRun.InvokeAsync("sim", "fault", "--dir", _dir, "worker-1", "memory-pressure");
        Assert.Equal(ExitCodes.Ok, fault.ExitCode);
        Assert.Equal("node/worker-1: memory-pressure", fault.Stdout.Trim());
        var unknown = await CliRun.InvokeAsync("sim", "fault", "--dir", _dir, "worker-1", "meltdown");
        Assert.Equal(ExitCodes.Usage, unknown.ExitCode);

        var version = await CliRun.InvokeAsync("sim", "exec", "--dir", _dir, "worker-1", "--", "kubeadm", "version", "-o", "short");
        Assert.True(version.ExitCode == ExitCodes.Ok, version.Stderr);
        Assert.Matches(@"^v1\.\d+\.\d+$", version.Stdout.Trim());
        var refused = await CliRun.InvokeAsync("sim", "exec", "--dir", _dir, "worker-1", "--", "apt-get install -y kubelet=1.0.0-1.1 && echo never");
        Assert.Equal(100, refused.ExitCode);
        Assert.Contains("E: Version '1.0.0-1.1' for 'kubelet' was not found", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("never", refused.Stdout, StringComparison.Ordinal);
        var missing = await CliRun.InvokeAsync("sim", "exec", "--dir", _dir, "worker-9", "true");
        Assert.Equal(ExitCodes.Failed, missing.ExitCode);
        Assert.Contains("node/worker-9: not found in the simulated cluster", missing.Stderr, StringComparison.Ordinal);

        var down = await CliRun.InvokeAsync("sim", "down", "--dir", _dir);
        Assert.Equal(ExitCodes.Ok, down.ExitCode);
        Assert.False(Directory.Exists($"/proc/{pid}"), "the sim must be stopped");
        Assert.False(File.Exists(Path.Combine(_dir, "sim.json")));
        Assert.DoesNotContain(Path.Combine(_dir, "etcd"), string.Join('\n', EtcdCommandLines()), StringComparison.Ordinal);

        var again = await CliRun.InvokeAsync("sim", "down", "--dir", _dir);
        Assert.Equal(ExitCodes.Usage, again.ExitCode);
        Assert.Contains("no simulated cluster", again.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Signals_AreHandledByTheCommandItself_SoASlowSimStillStopsItsEtcd()
    {
        // System.CommandLine's own handler would return 143 two seconds after SIGTERM and let the process exit under a
        // sim still shutting down (a busy 5,000-node sim left its etcd running that way); ours cancels and waits.
        var context = new CliContext(
            CliContext.Create(TextWriter.Null, redirected: true, noColor: true), CliContext.Create(TextWriter.Null, redirected: true, noColor: true),
            TextWriter.Null, _ => null, TimeProvider.System, ErrIsTerminal: false);
        Assert.Null(CliApp.Invocation(context).ProcessTerminationTimeout);
    }

    [Fact]
    public async Task KubeletRestart_SetsHowLongARestartedNodeIsNotReady()
    {
        var bad = await CliRun.InvokeAsync("sim", "up", "--dir", _dir, "--kubelet-restart", "soon");
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("invalid duration \"soon\" for --kubelet-restart", bad.Stderr, StringComparison.Ordinal);

        var up = await CliRun.InvokeAsync("sim", "up", "--detach", "--dir", _dir, "--workers", "1", "--kubelet-restart", "30s");
        Assert.True(up.ExitCode == ExitCodes.Ok, up.Stderr + await File.ReadAllTextAsync(Path.Combine(_dir, "sim.log"), TestContext.Current.CancellationToken));
        try
        {
            var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(_dir, "kubeconfig"));
            await using (var executor = Pitcrew.Executors.SimNodeExecutor.Create(configuration, TimeProvider.System))
            {
                var before = DateTimeOffset.UtcNow;
                var restart = await executor.RunAsync("worker-1", Pitcrew.Executors.NodeCommand.Shell("systemctl restart kubelet"), null, TestContext.Current.CancellationToken);
                Assert.Equal(0, restart.ExitCode);
                using var client = Pitcrew.Sim.SimClient.Open(_dir);
                var node = await client.GetAsync("/api/v1/nodes/worker-1", TestContext.Current.CancellationToken);
                var until = DateTimeOffset.Parse((string)node["metadata"]!["annotations"]!["sim.pitcrew.dev/kubelet-restart-until"]!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange((until - before).TotalSeconds, 25, 35);
            }
        }
        finally
        {
            Assert.Equal(ExitCodes.Ok, (await CliRun.InvokeAsync("sim", "down", "--dir", _dir)).ExitCode);
        }
    }

    private static IEnumerable<string> EtcdCommandLines() =>
        Directory.GetDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Where(File.Exists).Select(f =>
        {
            try
            {
                return File.ReadAllText(f).Replace('\0', ' ');
            }
            catch (IOException)
            {
                return string.Empty;
            }
        }).Where(c => c.Contains("etcd", StringComparison.Ordinal));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
