using System.Text.Json;
using Pitcrew.Sim;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>
/// Three control planes with a member each: with one member stopped (sim fault etcd-stop), `pitcrew doctor` finds etcd
/// through the etcd pods (no --endpoints, as kubeadm finds it), names the node whose member is down and says how close
/// the quorum is; with it started again, the etcd findings go.
/// </summary>
public sealed class DoctorHaSimTests : IAsyncLifetime
{
    private readonly SimFixture _cluster = new("pitcrew-doctor-ha-");

    public ValueTask InitializeAsync() =>
        new(_cluster.StartAsync(new SimOptions(_cluster.SimDir, Scenario: Sim.Scenarios.Scenario.Bare("v1.31.2", 3, 1)), TestContext.Current.CancellationToken));

    [Fact]
    public async Task Doctor_NamesTheControlPlaneWhoseMemberIsDown_WithoutEtcdFlags()
    {
        var environment = new Dictionary<string, string> { ["KUBECONFIG"] = _cluster.Sim.KubeconfigPath };
        var stop = await CliRun.InvokeAsync("sim", "fault", "cp-2", "etcd-stop", "--dir", _cluster.SimDir);
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Contains("node/cp-2: etcd member stopped (2 of 3 members running, quorum holds)", stop.Stdout, StringComparison.Ordinal);

        var run = await CliRun.InvokeAsync(environment, "doctor", "-o", "json");
        Assert.True(Pitcrew.Doctor.DoctorExitCodes.Critical == run.ExitCode, run.Stderr);
        using (var report = JsonDocument.Parse(run.Stdout))
        {
            var etcd = report.RootElement.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("id").GetString()!.StartsWith("etcd.", StringComparison.Ordinal)).ToList();
            var down = Assert.Single(etcd);
            Assert.Equal(("etcd.member-down", "cp-2"), (down.GetProperty("id").GetString(), down.GetProperty("object").GetProperty("name").GetString()));
            Assert.Equal("etcd member cp-2 does not answer: losing one more member loses the quorum (2 of 3)", down.GetProperty("symptom").GetString());
            Assert.Contains(report.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("advertised by etcd-cp-1, etcd-cp-2, etcd-cp-3", StringComparison.Ordinal));
        }

        Assert.Equal(0, (await CliRun.InvokeAsync("sim", "fault", "cp-2", "etcd-start", "--dir", _cluster.SimDir)).ExitCode);
        var after = await CliRun.InvokeAsync(environment, "doctor", "etcd", "-o", "json");
        using var healed = JsonDocument.Parse(after.Stdout);
        Assert.True(after.ExitCode == 0, after.Stdout);
        Assert.DoesNotContain(healed.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() != "info");
        Assert.Contains(healed.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("etcd: ", StringComparison.Ordinal));
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
