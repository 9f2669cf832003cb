using System.Text.Json;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>Every fault the simulator injects and every problem of the seed's table, diagnosed by `pitcrew doctor` with the right cause and remedy.</summary>
public sealed class DoctorSimTests(DoctorSimFixture sim) : IClassFixture<DoctorSimFixture>
{
    private static string Text(JsonElement finding, string field) => finding.GetProperty(field).GetString()!;

    [Theory]
    [InlineData("node.not-ready", "node/w-1", "critical", "kubelet stopped", "systemctl restart kubelet")]
    [InlineData("node.not-ready", "node/w-2", "critical", "network cut", "ping")]
    [InlineData("node.disk-pressure", "node/w-3", "warning", "logs and container images", "crictl rmi --prune")]
    [InlineData("node.memory-pressure", "node/w-4", "warning", "pods using too much memory", "set memory limits on pods, or add nodes")]
    [InlineData("node.pid-pressure", "node/w-5", "warning", "a process leak", "restart it")]
    [InlineData("cert.kubelet", "node/old-1", "critical", "not been renewed", "kubelet.crt")]
    [InlineData("pod.pending", "pod/shop/pending-selector", "warning", "no node carries the labels", "kubectl label node")]
    [InlineData("pod.pending", "pod/shop/pending-cpu", "warning", "not enough free resources", "add nodes")]
    [InlineData("pod.pending", "pod/shop/pending-memory", "warning", "not enough free resources", "lower the pod's requests")]
    [InlineData("pod.pending", "pod/shop/pending-taint", "warning", "node.kubernetes.io/disk-pressure", "toleration")]
    [InlineData("pod.pending", "pod/shop/pending-cordoned", "warning", "cordoned", "kubectl uncordon")]
    [InlineData("pod.pending", "pod/shop/pending-full", "warning", "as many pods as they allow", "maxPods")]
    [InlineData("pod.crash-loop", "pod/shop/crashing", "warning", "exit code 1", "--previous")]
    [InlineData("pod.image-pull", "pod/shop/no-image", "warning", "imagePullSecrets", "crictl pull")]
    [InlineData("pod.oom-killed", "pod/shop/greedy", "warning", "more memory than its limit", "memory limit")]
    public void Doctor_ReportsTheProblemWithItsCauseAndRemedy(string id, string reference, string severity, string cause, string remedy)
    {
        var finding = sim.Finding(id, reference);
        Assert.Equal(severity, Text(finding, "severity"));
        Assert.Contains(cause, Text(finding, "cause"), StringComparison.Ordinal);
        Assert.Contains(remedy, Text(finding, "remedy"), StringComparison.Ordinal);
        Assert.NotEqual(0, finding.GetProperty("evidence").GetArrayLength());
    }

    [Fact]
    public void Doctor_PressureEvidence_ShowsTheMetricsTheFaultMoved()
    {
        var evidence = sim.Finding("node.memory-pressure", "node/w-4").GetProperty("evidence").EnumerateArray().Select(e => e.GetString()!).ToList();
        var usage = Assert.Single(evidence, e => e.StartsWith("usage:", StringComparison.Ordinal));
        var memory = System.Text.RegularExpressions.Regex.Match(usage, @"memory .* \((\d+)%\)");
        Assert.True(memory.Success && int.Parse(memory.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 90, usage);
    }

    [Fact]
    public void Doctor_PendingForCpu_CountsNodesLikeTheScheduler()
    {
        var symptom = Text(sim.Finding("pod.pending", "pod/shop/pending-cpu"), "symptom");
        Assert.StartsWith("Pending: 0/11 nodes are available: ", symptom, StringComparison.Ordinal);
        Assert.Contains("Insufficient cpu", symptom, StringComparison.Ordinal);
    }

    [Fact]
    public void Doctor_WithCriticalFindings_ExitsWithTheCriticalCode()
    {
        Assert.Equal(Pitcrew.Doctor.DoctorExitCodes.Critical, sim.ExitCode);
    }

    [Fact]
    public async Task Doctor_NodeScope_ReportsOnlyThatNode()
    {
        var run = await sim.PitcrewAsync("doctor", "node", "w-3", "-o", "json", "--probe-timeout", "1s");
        using var report = JsonDocument.Parse(run.Stdout);
        var refs = report.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("object").GetProperty("ref").GetString()).Distinct().ToList();
        Assert.Equal(["node/w-3"], refs);
        Assert.Equal("node w-3", report.RootElement.GetProperty("scope").GetString());
        Assert.Equal(Pitcrew.Doctor.DoctorExitCodes.Warnings, run.ExitCode);
    }

    [Fact]
    public async Task Doctor_FailOnCritical_IgnoresWarnings()
    {
        var run = await sim.PitcrewAsync("doctor", "node", "w-3", "--fail-on", "critical", "--probe-timeout", "1s");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("disk space is low (DiskPressure)", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_Baseline_SortsFindingsIntoNewFixedAndUnchanged()
    {
        var before = Path.Combine(sim.Root, "before.json");
        var earlier = sim.Report.RootElement.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("object").GetProperty("ref").GetString() != "node/w-4")
            .Select(f => f.GetRawText()).Append("""{"id":"node.not-ready","severity":"critical","object":{"kind":"Node","namespace":null,"name":"gone-1","ref":"node/gone-1"},"symptom":"node is NotReady"}""");
        await File.WriteAllTextAsync(before, $$"""{"schemaVersion":1,"findings":[{{string.Join(',', earlier)}}]}""", TestContext.Current.CancellationToken);
        var run = await sim.PitcrewAsync("doctor", "--baseline", before, "-o", "json", "--probe-timeout", "1s");
        using var report = JsonDocument.Parse(run.Stdout);
        var baseline = report.RootElement.GetProperty("baseline");
        Assert.Contains("node.memory-pressure|node/w-4", baseline.GetProperty("new").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("node.not-ready|node/w-1", baseline.GetProperty("unchanged").EnumerateArray().Select(e => e.GetString()));
        var fixedOnes = baseline.GetProperty("fixed").EnumerateArray().Select(f => f.GetProperty("object").GetString()).ToList();
        Assert.Contains("node/gone-1", fixedOnes);
        Assert.DoesNotContain("node/w-1", fixedOnes);
    }
}
