using System.Text.Json;
using k8s;
using k8s.Models;
using Pitcrew.Sim;
using Pitcrew.Testing.Sim;

namespace Pitcrew.Cli.Tests.Doctor;

/// <summary>
/// One simulated cluster with every problem the seed's table names: a stopped kubelet, a cut network, disk, memory and PID
/// pressure, an expiring kubelet certificate, pods pending for each reason, and pods crash-looping, failing to pull and
/// OOMKilled. The doctor's JSON report, taken once every problem shows, is shared by the tests.
/// </summary>
public sealed class DoctorSimFixture() : SimFixture("pitcrew-doctor-"), IAsyncLifetime
{
    public const string Namespace = "shop";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    /// <summary>`pitcrew doctor -o json` once the cluster shows every problem.</summary>
    public JsonDocument Report { get; private set; } = JsonDocument.Parse("{}");

    public string ReportJson { get; private set; } = "{}";

    public int ExitCode { get; private set; }

    public async ValueTask InitializeAsync()
    {
        var scenario = Pitcrew.Sim.Scenarios.ScenarioReader.Parse("""
            version: v1.31.2
            nodes:
              - name: cp
                count: 1
                role: control-plane
              - name: w
                count: 8
              - name: old
                count: 1
                kubeletCertExpiresIn: 5d
              - name: tiny
                count: 1
                capacity: {pods: "1"}
            faults:
              - {node: w-1, fault: kubelet-stop}
              - {node: w-2, fault: network-partition}
              - {node: w-3, fault: disk-pressure}
              - {node: w-4, fault: memory-pressure}
              - {node: w-5, fault: pid-pressure}
            """, "doctor-tests");
        var ct = TestContext.Current.CancellationToken;
        var timings = new SimTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        await StartAsync(new SimOptions(SimDir, KubernetesVersion: "v1.31.2", Timings: timings, Scenario: scenario), ct);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig));
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: ct);
        await client.CoreV1.PatchNodeAsync(new V1Patch("""{"spec":{"unschedulable":true}}""", V1Patch.PatchType.MergePatch), "w-6", cancellationToken: ct);
        V1Pod[] pods =
        [
            Pod("pending-selector", selector: ("disk", "ssd")),
            Pod("pending-cpu", cpu: "100"),
            Pod("pending-memory", memory: "1Ti"),
            Pod("pending-taint", selector: ("kubernetes.io/hostname", "w-3")),
            Pod("pending-cordoned", selector: ("kubernetes.io/hostname", "w-6")),
            Pod("pending-full", selector: ("kubernetes.io/hostname", "tiny-1")),
            Pod("crashing", selector: ("kubernetes.io/hostname", "w-7"), trouble: "CrashLoopBackOff"),
            Pod("no-image", selector: ("kubernetes.io/hostname", "w-7"), trouble: "ImagePullBackOff"),
            Pod("greedy", selector: ("kubernetes.io/hostname", "w-8"), trouble: "OOMKilled"),
        ];
        foreach (var pod in pods)
        {
            await client.CoreV1.CreateNamespacedPodAsync(pod, Namespace, cancellationToken: ct);
        }

        await SettleAsync(ct);
    }

    /// <summary>Runs the doctor until every planted problem shows (nodes must first miss their heartbeats).</summary>
    private async Task SettleAsync(CancellationToken ct)
    {
        string[] expected =
        [
            "node.not-ready|node/w-1", "node.not-ready|node/w-2", "node.disk-pressure|node/w-3", "node.memory-pressure|node/w-4", "node.pid-pressure|node/w-5",
            "pod.pending|pod/shop/pending-taint", "pod.pending|pod/shop/pending-full", "pod.pending|pod/shop/pending-cordoned",
            "pod.crash-loop|pod/shop/crashing", "pod.image-pull|pod/shop/no-image", "pod.oom-killed|pod/shop/greedy", "cert.kubelet|node/old-1",
        ];
        var deadline = DateTime.UtcNow + Settle;
        while (true)
        {
            var run = await PitcrewAsync("doctor", "-o", "json", "--probe-timeout", "1s");
            var document = JsonDocument.Parse(run.Stdout);
            var keys = document.RootElement.GetProperty("findings").EnumerateArray()
                .Select(f => $"{f.GetProperty("id").GetString()}|{f.GetProperty("object").GetProperty("ref").GetString()}").ToHashSet(StringComparer.Ordinal);
            var missing = expected.Where(e => !keys.Contains(e)).ToList();
            if (missing.Count == 0 || DateTime.UtcNow > deadline)
            {
                Report = document;
                ReportJson = run.Stdout;
                ExitCode = run.ExitCode;
                return;
            }

            document.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(2), ct);
        }
    }

    private static V1Pod Pod(string name, (string Key, string Value)? selector = null, string? cpu = null, string? memory = null, string? trouble = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Annotations = trouble is null ? null : new Dictionary<string, string> { ["sim.pitcrew.dev/container-state"] = trouble },
            },
            Spec = new V1PodSpec
            {
                NodeSelector = selector is { } s ? new Dictionary<string, string> { [s.Key] = s.Value } : null,
                Containers = [new V1Container { Name = "app", Image = "registry.example/shop/app:1.0", Resources = new V1ResourceRequirements { Requests = requests } }],
            },
        };
    }

    internal Task<CliRun> PitcrewAsync(params string[] args) =>
        CliRun.InvokeAsync(new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig }, args);

    /// <summary>The report's finding for a check on an object.</summary>
    public JsonElement Finding(string id, string reference) =>
        Report.RootElement.GetProperty("findings").EnumerateArray()
            .FirstOrDefault(f => f.GetProperty("id").GetString() == id && f.GetProperty("object").GetProperty("ref").GetString() == reference) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new Xunit.Sdk.XunitException($"no {id} finding for {reference} in:\n{ReportJson}");

    public override async ValueTask DisposeAsync()
    {
        Report.Dispose();
        await base.DisposeAsync();
    }
}
