using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Pitcrew.Cluster;

namespace Pitcrew.Tests.Doctor;

/// <summary>
/// The doctor reads pods and nodes from list JSON itself; every fact must equal what the official client's models give
/// (the mapping the doctor used before, kept here as the oracle).
/// </summary>
public sealed class ListJsonReaderTests
{
    public static TheoryData<string> Pods => new(
        // A plain running pod as the sim writes it.
        """{"metadata":{"name":"web-1","namespace":"shop","creationTimestamp":"2026-11-30T10:00:00Z","labels":{"app":"web"},"managedFields":[{"manager":"x","fieldsV1":{"f:spec":{}}}]},"spec":{"nodeName":"worker-1","containers":[{"name":"web","image":"nginx","resources":{"requests":{"cpu":"250m","memory":"128Mi"},"limits":{"cpu":"1"}}},{"name":"side","resources":{"requests":{"cpu":"1","memory":"1G"}}}],"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"operator":"Exists"}]},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"web","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-11-30T10:00:05Z"}}},{"name":"side","restartCount":2,"state":{"running":{}},"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"finishedAt":"2026-11-30T11:00:00Z"}}}]}}""",
        // Pending: unschedulable, with a selector, required affinity (fields before expressions) and init containers.
        """{"metadata":{"name":"big","namespace":"batch","creationTimestamp":"2026-11-30T09:00:00Z"},"spec":{"nodeSelector":{"disk":"ssd","zone":"a"},"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["worker-9"]}],"matchExpressions":[{"key":"gpu","operator":"Exists"},{"key":"tier","operator":"NotIn","values":["a","b"]}]},{"matchExpressions":[{"key":"x","operator":"DoesNotExist"}]}]},"preferredDuringSchedulingIgnoredDuringExecution":[{"weight":1,"preference":{"matchExpressions":[{"key":"y","operator":"Exists"}]}}]}},"initContainers":[{"name":"a","resources":{"requests":{"cpu":"2","memory":"64Mi"}}},{"name":"b","resources":{"requests":{"cpu":"500m","memory":"3Gi"}}}],"containers":[{"name":"main","resources":{"requests":{"cpu":"1500m","memory":"1Gi"}}}]},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu."},{"type":"PodScheduled","status":"False","reason":"Second","message":"not taken"}]}}""",
        // Crash looping, image pull failures, evicted, terminating; quantities in the rarer forms.
        """{"metadata":{"name":"crash","namespace":"default","creationTimestamp":"2026-11-30T08:00:00Z","deletionTimestamp":"2026-11-30T12:00:00Z"},"spec":{"nodeName":"worker-2","containers":[{"name":"a","resources":{"requests":{"cpu":"0.5","memory":"1.5Gi"}}},{"name":"b","resources":{"requests":{"cpu":"1e3","memory":"129e6"}}},{"name":"c","resources":{"requests":{"cpu":"100u","memory":"1k"}}},{"name":"d","resources":{}},{"name":"e"}]},"status":{"phase":"Running","containerStatuses":[{"name":"a","restartCount":7,"state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container"}},"lastState":{"terminated":{"reason":"Error","exitCode":1,"finishedAt":"2026-11-30T11:59:00Z"}}},{"name":"b","restartCount":0,"state":{"waiting":{"reason":"ImagePullBackOff","message":"Back-off pulling image \"nope:1\""}}},{"name":"c","restartCount":0,"state":{"terminated":{"reason":"Completed","exitCode":0}}}]}}""",
        """{"metadata":{"name":"gone","namespace":"default"},"spec":{"nodeName":"worker-3","containers":[{"name":"a"}]},"status":{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory. Container a was using 2Gi."}}""",
        // Nulls and missing parts everywhere; unknown fields of every kind.
        """{"kind":"Pod","apiVersion":"v1","metadata":{"name":"bare","namespace":null,"deletionTimestamp":null,"ownerReferences":[{"kind":"ReplicaSet","name":"r"}]},"spec":{"nodeName":null,"nodeSelector":null,"tolerations":null,"affinity":null,"containers":[{"name":"x","resources":{"requests":null}}],"extra":[1,2.5,true,null,{"a":[{}]}]},"status":{"conditions":null,"containerStatuses":null,"hostIP":"127.0.0.2"}}""",
        """{"metadata":{"name":"no-status","namespace":"ns\u00e9\u0041"},"spec":{"containers":[]}}""");

    [Theory]
    [MemberData(nameof(Pods))]
    public void Read_GivesTheFactsOfTheClientsModel(string json)
    {
        var expected = ModelOracle.Pod(KubernetesJson.Deserialize<V1Pod>(json));
        var actual = ReadOne(json);
        Assert.Equal(Canonical(expected), Canonical(actual));
    }

    public static TheoryData<string> Nodes => new(
        """{"metadata":{"name":"worker-1","creationTimestamp":"2026-11-01T00:00:00Z","labels":{"kubernetes.io/hostname":"worker-1","topology.kubernetes.io/zone":"a"},"annotations":{"node.alpha.kubernetes.io/ttl":"0"}},"spec":{"providerID":"sim://worker-1","taints":[{"key":"node.kubernetes.io/disk-pressure","effect":"NoSchedule","timeAdded":"2026-11-30T10:00:00Z"},{"key":"dedicated","value":"gpu","effect":"NoExecute"}]},"status":{"capacity":{"cpu":"4"},"allocatable":{"cpu":"3800m","memory":"15Gi","pods":"110","ephemeral-storage":"100Gi"},"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"kubelet is posting ready status","lastHeartbeatTime":"2026-11-30T12:00:00Z","lastTransitionTime":"2026-11-01T00:01:00Z"},{"type":"DiskPressure","status":"True","reason":"KubeletHasDiskPressure","lastHeartbeatTime":"2026-11-30T12:00:00Z","lastTransitionTime":"2026-11-30T10:00:00Z"}],"addresses":[{"type":"Hostname","address":"worker-1"},{"type":"InternalIP","address":"127.0.0.12"},{"type":"InternalIP","address":"127.0.0.99"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10251}},"nodeInfo":{"kubeletVersion":"v1.30.4","kubeProxyVersion":"v1.30.4","osImage":"Debian"},"images":[{"names":["a","b"],"sizeBytes":1}]}}""",
        """{"metadata":{"name":"cp-1"},"spec":{"unschedulable":true,"taints":null},"status":{"allocatable":{"cpu":"2","memory":"4041984Ki","pods":"110"},"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":null,"addresses":null}}""",
        """{"metadata":{"name":"bare"}}""");

    [Theory]
    [MemberData(nameof(Nodes))]
    public void ReadNode_GivesTheFactsOfTheClientsModel(string json)
    {
        var expected = ModelOracle.Node(KubernetesJson.Deserialize<V1Node>(json));
        var nodes = new List<NodeFacts>();
        RawListPager.Read(Encoding.UTF8.GetBytes($$"""{"kind":"NodeList","metadata":{"resourceVersion":"7"},"items":[{{json}}]}"""), nodes, new StringPool(), NodeReader.Read, _ => { });
        var actual = Assert.Single(nodes);
        Assert.Equal(Canonical(expected), Canonical(actual));
    }

    [Fact]
    public void Read_RepeatedStringsAreOneCopy()
    {
        var pool = new StringPool();
        var pods = new List<PodFacts>();
        var page = Encoding.UTF8.GetBytes("""{"metadata":{},"items":[{"metadata":{"name":"a","namespace":"shop"},"spec":{"nodeName":"worker-1"}},{"metadata":{"name":"b","namespace":"shop"},"spec":{"nodeName":"worker-1"}}]}""");
        RawListPager.Read(page, pods, pool, PodReader.Read, _ => { });
        Assert.Equal(2, pods.Count);
        Assert.Same(pods[0].Namespace, pods[1].Namespace);
        Assert.Same(pods[0].NodeName, pods[1].NodeName);
    }

    [Fact]
    public void Read_EqualLabelMapsAreOneCopy()
    {
        var pool = new StringPool();
        var pods = new List<PodFacts>();
        var page = Encoding.UTF8.GetBytes("""
            {"metadata":{},"items":[
              {"metadata":{"name":"a","labels":{"app":"web","pod-template-hash":"5d8f"}}},
              {"metadata":{"name":"b","labels":{"pod-template-hash":"5d8f","app":"web"}}},
              {"metadata":{"name":"c","labels":{"app":"web","pod-template-hash":"77aa"}}},
              {"metadata":{"name":"d","labels":{"app":"web"}}}]}
            """);
        RawListPager.Read(page, pods, pool, PodReader.Read, _ => { });
        Assert.Equal(4, pods.Count);
        Assert.Same(pods[0].Labels, pods[1].Labels);
        Assert.NotSame(pods[0].Labels, pods[2].Labels);
        Assert.Equal("77aa", pods[2].Labels["pod-template-hash"]);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "web" }, pods[3].Labels);
        Assert.Equal("5d8f", pods[1].Labels["pod-template-hash"]);
    }

    [Theory]
    [InlineData("250m")]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("64")]
    [InlineData("128Mi")]
    [InlineData("3Gi")]
    [InlineData("1Ti")]
    [InlineData("10Ki")]
    [InlineData("1k")]
    [InlineData("5M")]
    [InlineData("2G")]
    [InlineData("1T")]
    [InlineData("1001m")]
    [InlineData("1m")]
    [InlineData("0.5")]
    [InlineData("1.5Gi")]
    [InlineData("1e3")]
    [InlineData("100u")]
    [InlineData("7n")]
    [InlineData("1Pi")]
    [InlineData("1234567890123456")]
    [InlineData("123456789012345")]
    public void Quantities_EqualTheClientsResourceQuantity(string text)
    {
        var quantity = new ResourceQuantity(text).ToDecimal();
        var json = Encoding.UTF8.GetBytes($"\"{text}\"");
        var reader = new Utf8JsonReader(json);
        reader.Read();
        Assert.Equal((long)Math.Ceiling(quantity * 1000), Quantities.MilliCpu(ref reader));
        reader = new Utf8JsonReader(json);
        reader.Read();
        Assert.Equal((long)Math.Ceiling(quantity), Quantities.Bytes(ref reader));
    }

    private static PodFacts ReadOne(string json)
    {
        var pods = new List<PodFacts>();
        string? next = "unset";
        RawListPager.Read(Encoding.UTF8.GetBytes($$"""{"kind":"PodList","metadata":{"resourceVersion":"7","continue":"abc"},"items":[{{json}}]}"""), pods, new StringPool(), PodReader.Read, c => next = c);
        Assert.Equal("abc", next);
        return Assert.Single(pods);
    }

    /// <summary>Records hold lists and maps, which compare by reference: compare their JSON instead.</summary>
    private static string Canonical(NodeFacts node) => JsonSerializer.Serialize(node with
    {
        Labels = new SortedDictionary<string, string>(node.Labels.ToDictionary(), StringComparer.Ordinal),
        Annotations = new SortedDictionary<string, string>(node.Annotations.ToDictionary(), StringComparer.Ordinal),
    });

    private static string Canonical(PodFacts pod) => JsonSerializer.Serialize(pod with { NodeSelector = new SortedDictionary<string, string>(pod.NodeSelector.ToDictionary(), StringComparer.Ordinal) });

    /// <summary>The doctor's former mapping from the client's model: the oracle.</summary>
    private static class ModelOracle
    {
        public static NodeFacts Node(V1Node node)
        {
            var allocatable = node.Status?.Allocatable;
            var conditions = node.Status?.Conditions ?? [];
            return new NodeFacts(
                node.Metadata.Name,
                node.Spec?.Unschedulable ?? false,
                conditions.Any(c => c.Type == "Ready" && c.Status == "True"),
                Copy(node.Metadata.Labels),
                Copy(node.Metadata.Annotations),
                new Capacity(MilliCpu(Q(allocatable, "cpu")), Bytes(Q(allocatable, "memory")), Bytes(Q(allocatable, "pods"))))
            {
                Taints = [.. (node.Spec?.Taints ?? []).Select(t => new TaintFacts(t.Key, t.Value, t.Effect, Time(t.TimeAdded)))],
                Conditions = [.. conditions.Select(c => new ConditionFacts(c.Type, c.Status, c.Reason, c.Message, Time(c.LastHeartbeatTime), Time(c.LastTransitionTime)))],
                InternalIp = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address,
                KubeletPort = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port is { } port and > 0 ? port : 10250,
                KubeletVersion = node.Status?.NodeInfo?.KubeletVersion,
                Created = Time(node.Metadata.CreationTimestamp),
            };
        }

        public static PodFacts Pod(V1Pod pod)
        {
            long cpu = 0, memory = 0;
            foreach (var container in pod.Spec?.Containers ?? [])
            {
                cpu += MilliCpu(Q(container.Resources?.Requests, "cpu"));
                memory += Bytes(Q(container.Resources?.Requests, "memory"));
            }

            var requests = new Capacity(cpu, memory, 1);

            // Init containers run one at a time: the pod needs the larger of their largest request and the sum of the others.
            foreach (var init in pod.Spec?.InitContainers ?? [])
            {
                cpu = Math.Max(cpu, MilliCpu(Q(init.Resources?.Requests, "cpu")));
                memory = Math.Max(memory, Bytes(Q(init.Resources?.Requests, "memory")));
            }

            var scheduled = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled" && c.Status == "False");
            var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms ?? [];
            var owner = pod.Metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
            return new PodFacts(
                pod.Metadata.NamespaceProperty ?? "default",
                pod.Metadata.Name,
                pod.Metadata.Uid ?? string.Empty,
                pod.Spec?.NodeName,
                pod.Status?.Phase ?? "Pending",
                owner is null ? null : new Controller(owner.ApiVersion, owner.Kind, owner.Name),
                pod.Metadata.Annotations?.ContainsKey("kubernetes.io/config.mirror") ?? false,
                pod.Spec?.Volumes?.Any(v => v.EmptyDir is not null) ?? false,
                Time(pod.Metadata.DeletionTimestamp),
                Copy(pod.Metadata.Labels),
                pod.Spec?.Priority ?? 0,
                pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false,
                requests)
            {
                Reason = pod.Status?.Reason,
                Message = pod.Status?.Message,
                NodeSelector = Copy(pod.Spec?.NodeSelector),
                RequiredNodeTerms = [.. terms.Select(t => (IReadOnlyList<NodeRequirement>)[
                    .. (t.MatchExpressions ?? []).Select(e => new NodeRequirement(e.Key, e.OperatorProperty, [.. e.Values ?? []])),
                    .. (t.MatchFields ?? []).Select(e => new NodeRequirement(e.Key, e.OperatorProperty, [.. e.Values ?? []], OnField: true))])],
                Tolerations = [.. (pod.Spec?.Tolerations ?? []).Select(t => new TolerationFacts(t.Key, t.OperatorProperty, t.Value, t.Effect))],
                RequestMilliCpu = cpu,
                RequestMemory = memory,
                ScheduledReason = scheduled?.Reason,
                ScheduledMessage = scheduled?.Message,
                Containers = [.. (pod.Status?.ContainerStatuses ?? []).Select(Container)],
                Created = Time(pod.Metadata.CreationTimestamp),
            };
        }

        private static ContainerFacts Container(V1ContainerStatus s) => new(
            s.Name,
            s.RestartCount,
            s.State?.Waiting?.Reason,
            s.State?.Waiting?.Message,
            s.State?.Terminated?.Reason,
            s.State?.Terminated?.ExitCode,
            s.LastState?.Terminated?.Reason,
            s.LastState?.Terminated?.ExitCode,
            Time(s.LastState?.Terminated?.FinishedAt));
        private static ResourceQuantity? Q(IDictionary<string, ResourceQuantity>? quantities, string name) =>
            quantities is not null && quantities.TryGetValue(name, out var quantity) ? quantity : null;

        private static DateTimeOffset? Time(DateTime? time) => time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;

        private static long MilliCpu(ResourceQuantity? quantity) => quantity is null ? 0 : (long)Math.Ceiling(quantity.ToDecimal() * 1000);

        private static long Bytes(ResourceQuantity? quantity) => quantity is null ? 0 : (long)Math.Ceiling(quantity.ToDecimal());

        private static Dictionary<string, string> Copy(IDictionary<string, string>? source) =>
            source is null || source.Count == 0 ? new Dictionary<string, string>() : new Dictionary<string, string>(source, StringComparer.Ordinal);
    }
}
