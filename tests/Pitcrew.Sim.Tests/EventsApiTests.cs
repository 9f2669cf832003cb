using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;
using k8s;
using k8s.Models;

namespace Pitcrew.Sim.Tests;

/// <summary>Events through both API groups (one stored object, two views), their field selectors, tables and TTL.</summary>
public sealed class EventsApiTests(StaticSimulatorFixture sim, ShortLivedSimulatorFixture shortLived)
    : IClassFixture<StaticSimulatorFixture>, IClassFixture<ShortLivedSimulatorFixture>
{
    private const string Stamp = "2025-03-01T10:00:00Z";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CoreEvent_ReadThroughEventsV1_HasTheRenamedFields()
    {
        using var client = sim.AdminClient();
        await PostCoreEventAsync(client, "ev-read", "e1", "web-1", "Scheduled", "assigned ev-read/web-1 to worker-1");

        var e = (await client.GetFromJsonAsync<JsonObject>("/apis/events.k8s.io/v1/namespaces/ev-read/events/e1", Token))!;

        Assert.Equal("events.k8s.io/v1", (string?)e["apiVersion"]);
        Assert.Equal("Event", (string?)e["kind"]);
        Assert.Equal("web-1", (string?)e["regarding"]!["name"]);
        Assert.Equal("Pod", (string?)e["regarding"]!["kind"]);
        Assert.Equal("assigned ev-read/web-1 to worker-1", (string?)e["note"]);
        Assert.Equal("Scheduled", (string?)e["reason"]);
        Assert.Equal("Normal", (string?)e["type"]);
        Assert.Equal("default-scheduler", (string?)e["reportingController"]);
        Assert.Equal("cp-1", (string?)e["reportingInstance"]);
        Assert.Equal("default-scheduler", (string?)e["deprecatedSource"]!["component"]);
        Assert.Equal(Stamp, (string?)e["deprecatedFirstTimestamp"]);
        Assert.Equal(Stamp, (string?)e["deprecatedLastTimestamp"]);
        Assert.Equal(2, (int?)e["deprecatedCount"]);
        Assert.Equal("2025-03-01T10:00:00.000000Z", (string?)e["eventTime"]);
        Assert.Null(e["involvedObject"]);
        Assert.Null(e["message"]);
    }

    [Fact]
    public async Task EventsV1Create_IsStoredAsACoreEvent()
    {
        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Sim.KubeconfigPath));
        var created = await kube.EventsV1.CreateNamespacedEventAsync(new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "new-style" },
            EventTime = new DateTime(2025, 3, 1, 10, 0, 0, 123, DateTimeKind.Utc),
            Regarding = new V1ObjectReference { Kind = "Node", Name = "worker-2" },
            Note = "node worker-2 is now ready",
            Reason = "NodeReady",
            Type = "Normal",
            Action = "Heartbeat",
            ReportingController = "pitcrew.io/tests",
            ReportingInstance = "tests-1",
        }, "ev-create", cancellationToken: Token);

        var core = await kube.CoreV1.ReadNamespacedEventAsync("new-style", "ev-create", cancellationToken: Token);

        Assert.Equal("worker-2", created.Regarding.Name);
        Assert.Equal("worker-2", core.InvolvedObject.Name);
        Assert.Equal("node worker-2 is now ready", core.Message);
        Assert.Equal("pitcrew.io/tests", core.ReportingComponent);
        Assert.Equal("tests-1", core.ReportingInstance);
        Assert.Equal("Heartbeat", core.Action);
        Assert.Equal("v1", core.ApiVersion);
        Assert.Equal(created.Metadata.ResourceVersion, core.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task EventsV1UpdateAndPatch_ChangeTheCoreFieldsAndKeepTheLease()
    {
        using var client = sim.AdminClient();
        await PostCoreEventAsync(client, "ev-update", "u1", "web-7", "Pulling", "pulling image");
        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Sim.KubeconfigPath));

        var e = await kube.EventsV1.ReadNamespacedEventAsync("u1", "ev-update", cancellationToken: Token);
        e.Note = "pulling image again";
        e.DeprecatedCount = 3;
        await kube.EventsV1.ReplaceNamespacedEventAsync(e, "u1", "ev-update", cancellationToken: Token);
        await kube.EventsV1.PatchNamespacedEventAsync(
            new V1Patch("{\"series\":{\"count\":4,\"lastObservedTime\":\"2025-03-01T10:05:00.000000Z\"}}", V1Patch.PatchType.MergePatch), "u1", "ev-update", cancellationToken: Token);
        var core = await kube.CoreV1.ReadNamespacedEventAsync("u1", "ev-update", cancellationToken: Token);

        Assert.Equal("pulling image again", core.Message);
        Assert.Equal(3, core.Count);
        Assert.Equal(4, core.Series.Count);
        Assert.Equal("web-7", core.InvolvedObject.Name);
        Assert.Equal("default-scheduler", core.Source.Component);
        using var channel = GrpcChannel.ForAddress(sim.Sim.EtcdEndpoint);
        var stored = await new KV.KVClient(channel).RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/registry/events/ev-update/u1") }, cancellationToken: Token);
        Assert.NotEqual(0, Assert.Single(stored.Kvs).Lease);
    }

    [Fact]
    public async Task EventsV1Create_WithoutEventTime_Gets422Invalid()
    {
        using var client = sim.AdminClient();
        var response = await client.PostAsJsonAsync("/apis/events.k8s.io/v1/namespaces/ev-invalid/events",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "no-time" }, ["note"] = "x", ["regarding"] = new JsonObject { ["kind"] = "Pod", ["name"] = "p" } }, Token);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var status = (await response.Content.ReadFromJsonAsync<JsonObject>(Token))!;
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Contains("eventTime: Required value", (string?)status["message"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/apis/events.k8s.io/v1", "regarding.name=web-2", "e2")]
    [InlineData("/apis/events.k8s.io/v1", "regarding.kind=Pod,reason=Killing", "e3")]
    [InlineData("/apis/events.k8s.io/v1", "reportingController=kubelet,type=Warning", "e3")]
    [InlineData("/api/v1", "involvedObject.name=web-2", "e2")]
    [InlineData("/api/v1", "source=kubelet", "e3")]
    [InlineData("/api/v1", "reportingComponent=default-scheduler,involvedObject.apiVersion=v1", "e2")]
    public async Task EventList_WithFieldSelector_MatchesOnTheStoredFields(string groupVersion, string selector, string expected)
    {
        using var client = sim.AdminClient();
        var ns = "ev-sel-" + Guid.NewGuid().ToString("N")[..6];
        await PostCoreEventAsync(client, ns, "e2", "web-2", "Scheduled", "assigned");
        await PostCoreEventAsync(client, ns, "e3", "web-3", "Killing", "stopping container", type: "Warning", component: "kubelet");

        var list = (await client.GetFromJsonAsync<JsonObject>($"{groupVersion}/namespaces/{ns}/events?fieldSelector={Uri.EscapeDataString(selector)}", Token))!;

        Assert.Equal([expected], list["items"]!.AsArray().Select(i => (string?)i!["metadata"]!["name"]));
    }

    [Fact]
    public async Task EventsV1List_WithCoreFieldLabel_Gets400()
    {
        using var client = sim.AdminClient();
        var response = await client.GetAsync("/apis/events.k8s.io/v1/events?fieldSelector=involvedObject.name%3Dx", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("field label not supported: involvedObject.name", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>(Token))!["message"]);
    }

    [Fact]
    public async Task EventsV1Watch_StreamsConvertedEvents()
    {
        var kube = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(sim.Sim.KubeconfigPath));
        var list = await kube.EventsV1.ListNamespacedEventAsync("ev-watch", cancellationToken: Token);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(Bound);
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in kube.EventsV1.WatchListNamespacedEventAsync("ev-watch", resourceVersion: list.Metadata.ResourceVersion, cancellationToken: cancel.Token))
            {
                return (type, item);
            }

            throw new InvalidOperationException("the watch ended without an event");
        }, cancel.Token);

        await Task.Delay(300, Token); // The watch is open (or opens after the write, from the list's version: either way it sees it).
        using var client = sim.AdminClient();
        await PostCoreEventAsync(client, "ev-watch", "w1", "web-9", "Pulled", "image pulled");
        var (seenType, seen) = await watching.WaitAsync(Bound, Token);

        Assert.Equal(WatchEventType.Added, seenType);
        Assert.Equal("image pulled", seen.Note);
        Assert.Equal("web-9", seen.Regarding.Name);
        Assert.Equal("events.k8s.io/v1", seen.ApiVersion);
    }

    [Fact]
    public async Task Kubectl_GetsEventsThroughBothGroups()
    {
        using var client = sim.AdminClient();
        await PostCoreEventAsync(client, "ev-kubectl", "k1", "web-4", "BackOff", "back-off restarting failed container", type: "Warning");

        var v1 = await sim.KubectlAsync("-n", "ev-kubectl", "get", "events.v1.events.k8s.io");
        var sorted = await sim.KubectlAsync("-n", "ev-kubectl", "get", "events", "--sort-by=.lastTimestamp");
        var resources = await sim.KubectlAsync("api-resources", "--api-group=events.k8s.io", "-o", "name");

        Assert.True(v1.ExitCode == 0, v1.Stderr);
        Assert.Contains("BackOff", v1.Stdout, StringComparison.Ordinal);
        Assert.Contains("pod/web-4", v1.Stdout, StringComparison.Ordinal);
        Assert.Contains("back-off restarting failed container", v1.Stdout, StringComparison.Ordinal);
        Assert.True(sorted.ExitCode == 0, sorted.Stderr);
        Assert.Contains("pod/web-4", sorted.Stdout, StringComparison.Ordinal);
        Assert.True(resources.ExitCode == 0, resources.Stderr);
        Assert.Contains("events.events.k8s.io", resources.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventWrites_ShareOneLeaseOfTheEventTtl()
    {
        using var client = sim.AdminClient();
        for (var i = 0; i < 4; i++)
        {
            await PostCoreEventAsync(client, "ev-lease", $"l{i}", "web-5", "Created", "created container");
        }

        using var channel = GrpcChannel.ForAddress(sim.Sim.EtcdEndpoint);
        var range = await new KV.KVClient(channel).RangeAsync(new RangeRequest
        {
            Key = ByteString.CopyFromUtf8("/registry/events/ev-lease/"),
            RangeEnd = ByteString.CopyFromUtf8("/registry/events/ev-lease0"),
        }, cancellationToken: Token);
        var leases = range.Kvs.Select(kv => kv.Lease).Distinct().ToList();
        var lease = Assert.Single(leases);
        var ttl = await new Lease.LeaseClient(channel).LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = lease }, cancellationToken: Token);

        Assert.Equal(4, range.Kvs.Count);
        Assert.Equal(3600 + 60, ttl.GrantedTTL); // One hour plus the minute a lease may be reused for.
        Assert.InRange(ttl.TTL, 3500, 3660);
    }

    [Fact]
    public async Task Event_DisappearsAfterTheEventTtl()
    {
        using var client = shortLived.AdminClient();
        await PostCoreEventAsync(client, "ev-ttl", "short", "web-6", "Started", "started container");
        var before = (await client.GetFromJsonAsync<JsonObject>("/api/v1/namespaces/ev-ttl/events", Token))!["items"]!.AsArray().Count;
        var created = DateTimeOffset.UtcNow;

        var after = before;
        while (after > 0 && DateTimeOffset.UtcNow - created < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(500, Token);
            after = (await client.GetFromJsonAsync<JsonObject>("/apis/events.k8s.io/v1/namespaces/ev-ttl/events", Token))!["items"]!.AsArray().Count;
        }

        Assert.Equal(1, before);
        Assert.Equal(0, after);
        Assert.True(DateTimeOffset.UtcNow - created >= ShortLivedSimulatorFixture.EventTtl - TimeSpan.FromSeconds(1), "the event expired before its TTL");
    }

    private static async Task PostCoreEventAsync(HttpClient client, string ns, string name, string pod, string reason, string message,
        string type = "Normal", string component = "default-scheduler")
    {
        var e = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["involvedObject"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = pod, ["apiVersion"] = "v1" },
            ["reason"] = reason,
            ["message"] = message,
            ["type"] = type,
            ["source"] = new JsonObject { ["component"] = component, ["host"] = "cp-1" },
            ["firstTimestamp"] = Stamp,
            ["lastTimestamp"] = Stamp,
            ["count"] = 2,
            ["reportingComponent"] = component,
        };
        var response = await client.PostAsJsonAsync($"/api/v1/namespaces/{ns}/events", e, Token);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
