using System.Text.Json;
using Pitcrew.Sim;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>A healthy simulated cluster with a running workload: the doctor finds nothing above info and exits 0.</summary>
public sealed class DoctorHealthyTests : IAsyncLifetime
{
    private readonly SimFixture _cluster = new("pitcrew-doctor-ok-");

    public async ValueTask InitializeAsync()
    {
        var scenario = Sim.Scenarios.ScenarioReader.Parse("""
            version: v1.31.2
            nodes:
              - {name: cp, count: 1, role: control-plane}
              - {name: w, count: 2}
            workloads:
              - {kind: Deployment, name: web, namespace: shop, replicas: 3, pdb: {minAvailable: "2"}}
            """, "doctor-healthy");
        await _cluster.StartAsync(new SimOptions(_cluster.SimDir, Scenario: scenario), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Doctor_OnAHealthyCluster_FindsNothingAboveInfo()
    {
        var environment = new Dictionary<string, string> { ["KUBECONFIG"] = _cluster.Sim.KubeconfigPath, ["ETCDCTL_ENDPOINTS"] = _cluster.Sim.EtcdEndpoint };
        CliRun run;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        do
        {
            // Until the deployment's pods run (pending for seconds is not a finding, but give the sim its start).
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            run = await CliRun.InvokeAsync(environment, "doctor", "-o", "json");
        }
        while (run.ExitCode != 0 && DateTime.UtcNow < deadline);

        using var report = JsonDocument.Parse(run.Stdout);
        var above = report.RootElement.GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("severity").GetString() != "info").Select(f => f.GetRawText()).ToList();
        Assert.True(above.Count == 0, string.Join('\n', above));
        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain(report.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("etcd not checked", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Doctor_Certs_ReadsTheApiServerAndKubeletCertificatesFromTheHandshake()
    {
        var run = await CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = _cluster.Sim.KubeconfigPath }, "doctor", "certs", "-o", "json", "--pki-dir", _cluster.Root);
        Assert.Equal(0, run.ExitCode);
        using var report = JsonDocument.Parse(run.Stdout);
        Assert.Empty(report.RootElement.GetProperty("findings").EnumerateArray());
    }

    [Fact]
    public async Task Doctor_CertsWithoutPkiDir_ListsTheLiveServingCertificatesItRead()
    {
        var environment = new Dictionary<string, string> { ["KUBECONFIG"] = _cluster.Sim.KubeconfigPath };
        CliRun json;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        do
        {
            // The simulated kubelets open their ports shortly after their nodes exist; until then the note names them.
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            json = await CliRun.InvokeAsync(environment, "doctor", "certs", "-o", "json");
        }
        while (json.Stdout.Contains("no certificate read from", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        var table = await CliRun.InvokeAsync(environment, "doctor", "certs");

        Assert.True(json.ExitCode == 0, json.Stderr + json.Stdout);
        using var report = JsonDocument.Parse(json.Stdout);
        Assert.Equal(JsonValueKind.Array, report.RootElement.GetProperty("certificates").ValueKind);
        var serving = report.RootElement.GetProperty("servingCertificates").EnumerateArray().ToList();
        Assert.Single(serving, c => c.GetProperty("component").GetString() == "kube-apiserver");
        Assert.Equal(3, serving.Count(c => c.GetProperty("component").GetString() == "kubelet"));
        Assert.All(serving, c => Assert.True(c.GetProperty("expires").GetDateTimeOffset() > DateTimeOffset.UtcNow));
        Assert.Contains(report.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("kubeadm certificates not checked", StringComparison.Ordinal));
        Assert.Contains("SERVING CERTIFICATE", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("kube-apiserver", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_OtherScopes_WriteEmptyListsNeverNull()
    {
        var run = await CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = _cluster.Sim.KubeconfigPath }, "doctor", "nodes", "-o", "json");
        Assert.DoesNotContain("null", run.Stdout.Split('\n').Where(l => l.Contains("\"certificates\"", StringComparison.Ordinal) || l.Contains("\"servingCertificates\"", StringComparison.Ordinal)));
        using var report = JsonDocument.Parse(run.Stdout);
        Assert.Equal(JsonValueKind.Array, report.RootElement.GetProperty("certificates").ValueKind);
        Assert.Equal(JsonValueKind.Array, report.RootElement.GetProperty("servingCertificates").ValueKind);
    }

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();
}
