using System.Text.Json;
using Pitcrew.Sim;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>`pitcrew sim fault` at run time: the kubelet port closes with kubelet-stop and opens again with kubelet-start, and the doctor follows.</summary>
public sealed class DoctorFaultTests : IAsyncLifetime
{
    private readonly SimFixture _cluster = new("pitcrew-doctor-fault-");

    private string SimDir => _cluster.SimDir;

    public async ValueTask InitializeAsync()
    {
        var timings = new SimTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        await _cluster.StartAsync(new SimOptions(_cluster.SimDir, ControlPlanes: 1, Workers: 1, Timings: timings), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Doctor_FollowsKubeletStopAndStart()
    {
        Assert.Equal(0, (await CliRun.InvokeAsync("sim", "fault", "--dir", SimDir, "worker-1", "kubelet-stop")).ExitCode);
        var stopped = await UntilAsync(r => Has(r, "node.not-ready", "kubelet stopped"));
        Assert.Contains("connection refused", stopped, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRun.InvokeAsync("sim", "fault", "--dir", SimDir, "worker-1", "kubelet-start")).ExitCode);
        var back = await UntilAsync(r => !Has(r, "node.not-ready", string.Empty) && !Has(r, "node.kubelet-unreachable", string.Empty));
        Assert.DoesNotContain("\"critical\"", back, StringComparison.Ordinal);
    }

    private static bool Has(JsonElement report, string id, string cause) =>
        report.GetProperty("findings").EnumerateArray().Any(f => f.GetProperty("id").GetString() == id && f.GetProperty("cause").GetString()!.Contains(cause, StringComparison.Ordinal));

    /// <summary>Runs `doctor node worker-1 -o json` until the condition holds (heartbeats take seconds to lapse); returns that report.</summary>
    private async Task<string> UntilAsync(Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        while (true)
        {
            var run = await CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = _cluster.Sim.KubeconfigPath }, "doctor", "node", "worker-1", "-o", "json", "--probe-timeout", "1s");
            using var report = JsonDocument.Parse(run.Stdout);
            if (condition(report.RootElement))
            {
                return run.Stdout;
            }

            Assert.True(DateTime.UtcNow < deadline, "the doctor never saw the change:\n" + run.Stdout);
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        }
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
