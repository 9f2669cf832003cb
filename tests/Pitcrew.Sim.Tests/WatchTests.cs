using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Etcdserverpb;
using Grpc.Net.Client;
using k8s;
using k8s.Models;

namespace Pitcrew.Sim.Tests;

/// <summary>Watches streamed from etcd: the official client, the real kubectl, and compaction.</summary>
public sealed class WatchTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task KubernetesClient_SeesAddedModifiedDeletedAfterItsListVersion()
    {
        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Sim.KubeconfigPath));
        await kube.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "watch-a" } }, cancellationToken: Token);
        var list = await kube.CoreV1.ListNamespacedConfigMapAsync("watch-a", cancellationToken: Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(Bound);
        var events = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in kube.CoreV1.WatchListNamespacedConfigMapAsync(
                "watch-a", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancel.Token))
            {
                events.Add((type, item.Data?["v"] ?? string.Empty));
                if (type == WatchEventType.Deleted)
                {
                    break;
                }
            }
        }, cancel.Token);

        var map = await kube.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "w" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, "watch-a", cancellationToken: Token);
        map.Data["v"] = "2";
        await kube.CoreV1.ReplaceNamespacedConfigMapAsync(map, "w", "watch-a", cancellationToken: Token);
        await kube.CoreV1.DeleteNamespacedConfigMapAsync("w", "watch-a", cancellationToken: Token);
        await watching.WaitAsync(Bound, Token);

        Assert.Equal([(WatchEventType.Added, "1"), (WatchEventType.Modified, "2"), (WatchEventType.Deleted, "2")], events);
    }

    [Fact]
    public async Task KubectlGetWatch_PrintsANewObject()
    {
        Assert.Equal(0, (await sim.KubectlAsync("create", "namespace", "watch-b")).ExitCode);
        var start = new ProcessStartInfo("kubectl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--kubeconfig=" + sim.Sim.KubeconfigPath, "--cache-dir=" + Path.Combine(sim.Root, "watch-cache"), "-n", "watch-b", "get", "configmaps", "-w", "-o", "name" })
        {
            start.ArgumentList.Add(arg);
        }

        using var kubectl = Process.Start(start)!;
        try
        {
            var created = false;
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
            cancel.CancelAfter(Bound);
            while (true)
            {
                if (!created)
                {
                    // Give kubectl a moment to open its watch, then make the change it must report.
                    await Task.Delay(1000, cancel.Token);
                    Assert.Equal(0, (await sim.KubectlAsync("-n", "watch-b", "create", "configmap", "seen")).ExitCode);
                    created = true;
                }

                var line = await kubectl.StandardOutput.ReadLineAsync(cancel.Token);
                Assert.NotNull(line);
                if (line == "configmap/seen")
                {
                    break;
                }
            }
        }
        finally
        {
            kubectl.Kill(entireProcessTree: true);
            await kubectl.WaitForExitAsync(Token);
        }
    }

    [Fact]
    public async Task Watch_FromACompactedVersion_GetsExpiredError()
    {
        using var client = sim.AdminClient();
        for (var i = 0; i < 3; i++)
        {
            await client.PostAsJsonAsync("/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "c-" } }, Token);
        }

        using (var channel = GrpcChannel.ForAddress(sim.Sim.EtcdEndpoint))
        {
            var kv = new KV.KVClient(channel);
            var revision = (await kv.RangeAsync(new RangeRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("/") }, cancellationToken: Token)).Header.Revision;
            await kv.CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, cancellationToken: Token);
        }

        var body = await client.GetStringAsync("/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2&timeoutSeconds=5", Token).WaitAsync(Bound, Token);
        var line = JsonNode.Parse(body.Split('\n')[0])!;
        Assert.Equal("ERROR", (string?)line["type"]);
        Assert.Equal(410, (int?)line["object"]!["code"]);
        Assert.Equal("Expired", (string?)line["object"]!["reason"]);
    }
}
